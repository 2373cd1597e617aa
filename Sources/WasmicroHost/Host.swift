// WasmicroHost: Foundation-side conveniences (reading model directories) shared by the CLI and the harness.
import Foundation
import Wasmicro
