// The fuzzer's main. SwiftPM links every executable with its own renamed main (so tests can import
// executables), which leaves no room for libFuzzer's main(); so this main hands control to libFuzzer
// through LLVMFuzzerRunDriver instead. One binary holds every harness (one link instead of nine); the
// harness is chosen by IRIS_FUZZ_HARNESS and checked before fuzzing starts.
import CLibFuzzer
import Foundation

private var selected: (UnsafeRawBufferPointer) -> Void = { _ in }

@main
enum IrisFuzz {
    static func main() {
        let name = ProcessInfo.processInfo.environment["IRIS_FUZZ_HARNESS"] ?? ""
        guard let harness = harnesses[name] else {
            let list = harnesses.keys.sorted().map { "  \($0): \(harnesses[$0]!.0)" }.joined(separator: "\n")
            FileHandle.standardError.write(Data("iris-fuzz: set IRIS_FUZZ_HARNESS to one of\n\(list)\n".utf8))
            exit(2)
        }
        selected = harness.1
        // Load fixtures (tokenizer vocabularies) now, not inside the first timed input.
        selected(UnsafeRawBufferPointer(start: nil, count: 0))
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            selected(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
    }
}
