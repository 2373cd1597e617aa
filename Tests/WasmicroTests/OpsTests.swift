// Unit tests of the ops: math functions against the platform libm, SIMD kernels against their scalar twins,
// and hand-computed LayerNorm / softmax / attention values.
import Foundation
import Testing

@testable import Wasmicro

/// Max relative error of our exp against glibc's: both should be correctly rounded to within a few ulps of Double.
let mathRelativeTolerance = 1e-14
/// SIMD vs scalar linear: different summation order in Float over ≤ 64 terms of magnitude ≤ 1 → a few 1e-6 at most.
let kernelMaxAbs: Float = 1e-5

@Suite struct OpsTests {
  @Test func exponentialMatchesLibm() {
    var x = -700.0
    while x < 709 {
      let expected = Foundation.exp(x)
      let actual = exponential(x)
      #expect(abs(actual - expected) <= mathRelativeTolerance * expected, "exp(\(x)) = \(actual), libm \(expected)")
      x += 0.37
    }
    #expect(exponential(0) == 1)
    #expect(exponential(800) == .infinity)
    #expect(exponential(-800) == 0)
  }

  @Test func errorFunctionMatchesLibm() {
    var x = -7.0
    var worst = 0.0
    while x <= 7 {
      worst = max(worst, abs(errorFunction(x) - Foundation.erf(x)))
      x += 0.001
    }
    #expect(worst < 1e-14, "max |erf - libm erf| = \(worst)")
  }

  @Test func fastErrorFunctionMatchesItsReferenceTwin() {
    // The fit's stated bound: 4e-11 absolute (relative 2.4e-10 on erfc ≤ 0.16 for |x| ≥ 1); ±1 past |x| = 4.
    var x = -9.0
    var worst = 0.0
    while x <= 9 {
      worst = max(worst, abs(errorFunctionFast(x) - errorFunction(x)))
      x += 0.000_37
    }
    #expect(worst < 4e-11 || worst <= 1.6e-8, "max |fast - reference| = \(worst)")
    var y = -3.99
    var worstInside = 0.0
    while y < 3.99 {
      worstInside = max(worstInside, abs(errorFunctionFast(y) - errorFunction(y)))
      y += 0.000_37
    }
    #expect(worstInside < 4e-11, "max |fast - reference| on (-4, 4) = \(worstInside)")
  }

  @Test func tanhMatchesLibm() {
    var x = -25.0
    while x <= 25 {
      #expect(abs(hyperbolicTangent(x) - Foundation.tanh(x)) < 1e-15)
      x += 0.013
    }
  }

  /// Inputs for the eight-lane twins: a sweep, the region edges and the special values.
  static var laneInputs: [Double] {
    var values: [Double] = [0, -0.0, 1, -1, 4, -4, 0x1p-1074, -0x1p-1074, .infinity, -.infinity, 708, -708, -707.9]
    var x = -9.0
    while x <= 9 {
      values.append(x)
      x += 0.013_7
    }
    return values
  }

  @Test func eightLaneExponentialsMatchScalar() {
    // For x ≤ 0 down to −708 the twins agree bit for bit; below, the lanes flush to 0 where the scalar gives less than 2^-1020.
    var inputs = Self.laneInputs.map { -abs($0) }
    inputs += [-0.5, -700.25, -708.39, -745, -1e300, .nan]
    while inputs.count % DoubleLanes.scalarCount != 0 { inputs.append(-1) }
    for start in stride(from: 0, to: inputs.count, by: DoubleLanes.scalarCount) {
      let lanes = DoubleLanes(inputs[start..<start + DoubleLanes.scalarCount])
      let vector = exponentials(lanes)
      for lane in 0..<DoubleLanes.scalarCount {
        let x = lanes[lane]
        let scalar = exponential(x)
        if x.isNaN {
          #expect(vector[lane].isNaN)
        } else if x < -708 {
          #expect(vector[lane] == 0 && scalar < 0x1p-1020, "exp(\(x))")
        } else {
          #expect(vector[lane].bitPattern == scalar.bitPattern, "exp(\(x)): \(vector[lane]) vs \(scalar)")
        }
      }
    }
  }

  @Test func eightLaneErrorFunctionAndGeluMatchScalar() {
    var inputs = Self.laneInputs + [.nan]
    while inputs.count % DoubleLanes.scalarCount != 0 { inputs.append(0.5) }
    for start in stride(from: 0, to: inputs.count, by: DoubleLanes.scalarCount) {
      let lanes = DoubleLanes(inputs[start..<start + DoubleLanes.scalarCount])
      let vector = errorFunctionsFast(lanes)
      let floats = FloatLanes(lanes.indices.map { Float(lanes[$0]) })
      let gelu = geluExacts(floats)
      for lane in 0..<DoubleLanes.scalarCount {
        let scalar = errorFunctionFast(lanes[lane])
        #expect(
          vector[lane].bitPattern == scalar.bitPattern || (vector[lane].isNaN && scalar.isNaN),
          "erf(\(lanes[lane])): \(vector[lane]) vs \(scalar)")
        let scalarGelu = geluExact(floats[lane])
        #expect(
          gelu[lane].bitPattern == scalarGelu.bitPattern || (gelu[lane].isNaN && scalarGelu.isNaN),
          "gelu(\(floats[lane])): \(gelu[lane]) vs \(scalarGelu)")
      }
    }
  }

  @Test func softmaxMatchesScalarTwin() {
    var generator = SplitMix64(seed: 11)
    for count in [1, 7, 8, 9, 33, 128] {
      var row = (0..<count).map { _ in generator.nextFloat() * 30 }
      if count > 2 { row[1] = -Float.greatestFiniteMagnitude }  // a masked key
      var fast = row
      var reference = row
      fast.withUnsafeMutableBufferPointer { softmax($0.baseAddress!, count: count) }
      reference.withUnsafeMutableBufferPointer { softmaxReference($0.baseAddress!, count: count) }
      #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern), "softmax of \(count)")
      #expect(abs(fast.reduce(0, +) - 1) < 1e-5)
    }
  }

  @Test func blockedAttentionMatchesItsTwin() {
    var generator = SplitMix64(seed: 5)
    for (length, heads, headSize) in [(1, 1, 4), (5, 2, 8), (17, 3, 16), (40, 2, 32)] {
      let width = heads * headSize
      let q = (0..<length * width).map { _ in generator.nextFloat() * 2 }
      let k = (0..<length * width).map { _ in generator.nextFloat() * 2 }
      let v = (0..<length * width).map { _ in generator.nextFloat() }
      var fast = [Float](repeating: .nan, count: length * width)
      var reference = fast
      var scratch = [Float](
        repeating: .nan, count: blockedAttentionScratchCount(sequenceLength: length, headSize: headSize))
      var scores = [Float](repeating: 0, count: length)
      q.withUnsafeBufferPointer { qp in
        k.withUnsafeBufferPointer { kp in
          v.withUnsafeBufferPointer { vp in
            fast.withUnsafeMutableBufferPointer { out in
              scratch.withUnsafeMutableBufferPointer {
                blockedSelfAttention(
                  query: qp, key: kp, value: vp, context: out, scratch: $0, sequenceLength: length, heads: heads,
                  headSize: headSize)
              }
            }
            reference.withUnsafeMutableBufferPointer { out in
              scores.withUnsafeMutableBufferPointer {
                selfAttention(
                  query: qp, key: kp, value: vp, keyMask: nil, context: out, scores: $0, sequenceLength: length,
                  heads: heads, headSize: headSize)
              }
            }
          }
        }
      }
      let worst = zip(fast, reference).map { abs($0 - $1) }.max() ?? .nan
      #expect(worst <= kernelMaxAbs, "attention \(length)x\(heads)x\(headSize): \(worst)")
    }
  }

  @Test func geluKnownValues() {
    // GELU(1) = 0.5·(1 + erf(1/√2)) = 0.8413447460685429
    #expect(abs(geluExact(1) - 0.841_344_7) < 1e-7)
    #expect(geluExact(0) == 0)
    #expect(abs(geluExact(-3) - (-0.004_049_6)) < 1e-7)
  }

  @Test func linearMatchesReferenceTwin() {
    var generator = SplitMix64(seed: 7)
    for (rows, inFeatures, outFeatures) in [(1, 3, 2), (5, 17, 9), (8, 64, 33), (7, 384, 12), (9, 40, 7), (70, 64, 6)] {
      let x = (0..<rows * inFeatures).map { _ in generator.nextFloat() }
      let w = (0..<outFeatures * inFeatures).map { _ in generator.nextFloat() }
      let b = (0..<outFeatures).map { _ in generator.nextFloat() }
      var fast = [Float](repeating: 0, count: rows * outFeatures)
      var reference = fast
      x.withUnsafeBufferPointer { xp in
        w.withUnsafeBufferPointer { wp in
          b.withUnsafeBufferPointer { bp in
            let matrix = WeightMatrix(f32: wp, rows: outFeatures, columns: inFeatures)
            fast.withUnsafeMutableBufferPointer { linear(input: xp, weight: matrix, bias: bp, output: $0, rows: rows) }
            reference.withUnsafeMutableBufferPointer {
              linearReference(input: xp, weight: matrix, bias: bp, output: $0, rows: rows)
            }
          }
        }
      }
      let worst = zip(fast, reference).map { abs($0 - $1) }.max() ?? 0
      #expect(worst <= kernelMaxAbs * Float(inFeatures) / 64, "linear \(rows)x\(inFeatures)x\(outFeatures): \(worst)")
    }
  }

  @Test func linearHandComputed() {
    // x = [[1, 2]], W = [[3, 4], [5, 6]], b = [0.5, -1] → [1·3+2·4+0.5, 1·5+2·6-1] = [11.5, 16]
    var y: [Float] = [0, 0]
    [Float(1), 2].withUnsafeBufferPointer { x in
      [Float(3), 4, 5, 6].withUnsafeBufferPointer { w in
        [Float(0.5), -1].withUnsafeBufferPointer { b in
          y.withUnsafeMutableBufferPointer {
            linear(input: x, weight: WeightMatrix(f32: w, rows: 2, columns: 2), bias: b, output: $0, rows: 1)
          }
        }
      }
    }
    #expect(y == [11.5, 16])
  }

  @Test func layerNormHandComputed() {
    // [1, 2, 3, 4]: mean 2.5, biased variance 1.25 → (x - 2.5)/√1.25
    var values: [Float] = [1, 2, 3, 4]
    let gamma: [Float] = [1, 1, 1, 2]
    let beta: [Float] = [0, 0, 0, 1]
    values.withUnsafeMutableBufferPointer { v in
      gamma.withUnsafeBufferPointer { g in
        beta.withUnsafeBufferPointer { b in layerNorm(v, rows: 1, width: 4, gamma: g, beta: b, epsilon: 0) }
      }
    }
    let s = Float(1.25).squareRoot()
    let expected: [Float] = [-1.5 / s, -0.5 / s, 0.5 / s, 2 * 1.5 / s + 1]
    for (a, e) in zip(values, expected) { #expect(abs(a - e) < 1e-6) }
  }

  @Test func softmaxHandComputedAndMasked() {
    var row: [Float] = [0, Float(log(3.0))]
    row.withUnsafeMutableBufferPointer { softmax($0.baseAddress!, count: 2) }
    #expect(abs(row[0] - 0.25) < 1e-7 && abs(row[1] - 0.75) < 1e-7)
    var masked: [Float] = [-Float.greatestFiniteMagnitude, -Float.greatestFiniteMagnitude]
    masked.withUnsafeMutableBufferPointer { softmax($0.baseAddress!, count: 2) }
    #expect(masked == [0.5, 0.5])
  }

  @Test func attentionIgnoresPaddedKeys() {
    // One head of size 1, three positions, the last is padding. q·k scaled by 1/√1.
    let q: [Float] = [1, 1, 1]
    let k: [Float] = [0, Float(log(3.0)), 100]
    let v: [Float] = [10, 20, 1000]
    let mask: [Int32] = [1, 1, 0]
    var context = [Float](repeating: 0, count: 3)
    var scores = [Float](repeating: 0, count: 3)
    q.withUnsafeBufferPointer { qp in
      k.withUnsafeBufferPointer { kp in
        v.withUnsafeBufferPointer { vp in
          mask.withUnsafeBufferPointer { mp in
            context.withUnsafeMutableBufferPointer { cp in
              scores.withUnsafeMutableBufferPointer { sp in
                selfAttention(
                  query: qp, key: kp, value: vp, keyMask: mp, context: cp, scores: sp, sequenceLength: 3, heads: 1,
                  headSize: 1)
              }
            }
          }
        }
      }
    }
    // weights 0.25 / 0.75 on the two real keys: 0.25·10 + 0.75·20 = 17.5
    for value in context { #expect(abs(value - 17.5) < 1e-4) }
  }

  @Test func normalizeAndCosine() {
    var v: [Float] = [3, 4]
    l2Normalize(&v)
    #expect(abs(v[0] - 0.6) < 1e-7 && abs(v[1] - 0.8) < 1e-7)
    var zero: [Float] = [0, 0]
    l2Normalize(&zero)
    #expect(zero == [0, 0])
    #expect(abs(cosineSimilarity([1, 0], [1, 1]) - Float(0.5).squareRoot()) < 1e-7)
    #expect(cosineSimilarity([1], [1, 2]) == 0)
  }
}
