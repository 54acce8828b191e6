import Foundation

/// The progress bar of `iris import` on stderr: done/total, percent, rate and time left.
/// On a terminal it redraws one line (at most 10 times a second); otherwise (a log, CI) it prints a
/// line at most once a second, so logs stay short.
/// @unchecked Sendable: the counters and `lastDraw` change only under `lock`.
final class ImportProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let started = Date()
    private var done = 0, failed = 0, skipped = 0
    private var lastDraw = Date.distantPast
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let quiet: Bool

    init(total: Int, quiet: Bool) {
        self.total = total
        self.quiet = quiet
    }

    /// Records finished files: imported, failed and skipped (already present) ones all count as done.
    func advance(imported: Int, failed: Int, skipped: Int) {
        lock.lock()
        defer { lock.unlock() }
        done += imported + failed + skipped
        self.failed += failed
        self.skipped += skipped
        let now = Date()
        let interval = isTerminal ? 0.1 : 1.0
        if !quiet, done == total || now.timeIntervalSince(lastDraw) >= interval {
            lastDraw = now
            draw(now)
        }
    }

    /// Ends the progress line (on a terminal) so the summary starts on its own line.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if !quiet && isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func draw(_ now: Date) {
        let elapsed = max(now.timeIntervalSince(started), 1e-3)
        let rate = Double(done) / elapsed
        let left = rate > 0 ? Double(total - done) / rate : 0
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        var line = "[\(bar)] \(done)/\(total) \(String(format: "%3.0f%%", fraction * 100))"
            + " \(String(format: "%.1f", rate)) img/s, \(Self.clock(left)) left"
        if skipped > 0 { line += ", \(skipped) already present" }
        if failed > 0 { line += ", \(failed) failed" }
        FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    /// h:mm:ss or m:ss.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
