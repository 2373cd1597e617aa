import Testing
@testable import Wasmicro

@Test func versionIsSet() {
  #expect(!wasmicroVersion.isEmpty)
}
