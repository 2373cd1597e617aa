// Padding a list of encodings into one rectangular batch for `BertModel.forward`.

/// Encodings padded to the longest one: `[batchSize, sequenceLength]` row-major arrays.
public struct PaddedBatch {
  public let inputIDs: [Int32]
  public let tokenTypeIDs: [Int32]
  public let attentionMask: [Int32]
  public let batchSize: Int
  public let sequenceLength: Int

  /// Right-pads every encoding with `padID` (token type 0, mask 0), as HF's `padding=True` does.
  public init(_ encodings: [Encoding], padID: Int32) {
    let length = encodings.reduce(0) { max($0, $1.inputIDs.count) }
    var ids: [Int32] = [], types: [Int32] = [], mask: [Int32] = []
    ids.reserveCapacity(length * encodings.count)
    for encoding in encodings {
      let padding = length - encoding.inputIDs.count
      ids += encoding.inputIDs + [Int32](repeating: padID, count: padding)
      types += encoding.tokenTypeIDs + [Int32](repeating: 0, count: padding)
      mask += encoding.attentionMask + [Int32](repeating: 0, count: padding)
    }
    inputIDs = ids
    tokenTypeIDs = types
    attentionMask = mask
    batchSize = encodings.count
    sequenceLength = length
  }
}
