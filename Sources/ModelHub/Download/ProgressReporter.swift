import Foundation

/// A one-line progress display on stderr: rewritten in place on a terminal, one line per finished
/// file otherwise (so logs stay readable).
/// @unchecked Sendable: its mutable state changes only under `lock`.
public final class ProgressReporter: @unchecked Sendable {
    private let output: FileHandle
    private let interactive: Bool
    private var label = ""
    private var total: Int64?
    private var done: Int64 = 0
    private var sessionBytes: Int64 = 0
    private var started = Date()
    private var lastDraw = Date.distantPast
    private let lock = NSLock()

    public init(output: FileHandle = .standardError, interactive: Bool? = nil) {
        self.output = output
        self.interactive = interactive ?? (isatty(output.fileDescriptor) != 0)
    }

    func begin(_ label: String, total: Int64?, alreadyHave: Int64) {
        lock.lock(); defer { lock.unlock() }
        self.label = label
        self.total = total
        done = alreadyHave
        sessionBytes = 0
        started = Date()
        lastDraw = .distantPast
        if alreadyHave > 0 && !interactive {
            write("\(label): resuming at \(Self.bytes(alreadyHave))\n")
        }
    }

    func advance(_ count: Int) {
        lock.lock(); defer { lock.unlock() }
        done += Int64(count)
        sessionBytes += Int64(count)
        guard interactive, Date().timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = Date()
        write("\r\u{1B}[K" + line())
    }

    func restart() {
        lock.lock(); defer { lock.unlock() }
        done = 0
    }

    func finish(note: String = "") {
        lock.lock(); defer { lock.unlock() }
        let suffix = note.isEmpty ? "" : "  \(note)"
        write((interactive ? "\r\u{1B}[K" : "") + line() + suffix + "\n")
    }

    func message(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        write(text + "\n")
    }

    private func line() -> String {
        let elapsed = Date().timeIntervalSince(started)
        // A rate over a few milliseconds is noise: only shown once a transfer has run for a while.
        let rate = elapsed >= 0.25 ? "  \(Self.bytes(Int64(Double(sessionBytes) / elapsed)))/s" : ""
        if let total, total > 0 {
            let percent = Int((Double(done) / Double(total) * 100).rounded(.down))
            return "\(label)  \(Self.bytes(done)) / \(Self.bytes(total))  \(percent)%" + rate
        }
        return "\(label)  \(Self.bytes(done))" + rate
    }

    private func write(_ s: String) {
        output.write(Data(s.utf8))
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(n)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }
}
