import Foundation
import JSON
import Logging

/// Log lines in Weaviate's logrus shapes: one JSON object per line by default
/// (`{"level":"info","msg":"…","time":"…",…metadata}`), or `LOG_FORMAT=text`'s
/// `time="…" level=info msg="…" key=value`. Written to stderr, whole lines at a time.
struct LogrusStyleHandler: LogHandler {
    enum Format { case json, text }

    let label: String
    let format: Format
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, format: Format, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        let level = Self.levelName(event.level)
        let time = Self.timestamp()
        var line: String
        switch format {
        case .json:
            var object: [String: String] = ["level": level, "msg": event.message.description, "time": time]
            for (key, value) in fields where object[key] == nil { object[key] = "\(value)" }
            line = "{"
            for (i, key) in object.keys.sorted().enumerated() {
                if i > 0 { line += "," }
                JSONText.appendQuoted(key, to: &line)
                line += ":"
                JSONText.appendQuoted(object[key]!, to: &line)
            }
            line += "}"
        case .text:
            line = "time=\(Self.quoted(time)) level=\(level) msg=\(Self.quoted(event.message.description))"
            for key in fields.keys.sorted() { line += " \(key)=\(Self.quoted("\(fields[key]!)"))" }
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info, .notice: return "info"
        case .warning: return "warning"
        case .error: return "error"
        case .critical: return "fatal"
        }
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    static func quoted(_ s: String) -> String { JSONText.quoted(s) }
}
