import Foundation

/// One image file to import: its path relative to the folder (the id's name) and on disk.
struct ImportFile: Sendable {
    var relativePath: String
    var url: URL
}

/// What `iris import` reads: the image files of a folder (recursively, sorted by relative path so the
/// order and the ids are stable) and an optional table of texts keyed by file name.
enum ImportInputs {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "gif", "bmp", "webp"]

    static func imageFiles(in folder: URL) throws -> [ImportFile] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ImportError("\(folder.path) is not a folder")
        }
        let root = folder.standardizedFileURL.resolvingSymlinksInPath().path
        guard let walker = fm.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey],
                                         options: [.skipsHiddenFiles]) else {
            throw ImportError("cannot list \(folder.path)")
        }
        var files: [ImportFile] = []
        for case let url as URL in walker {
            guard imageExtensions.contains(url.pathExtension.lowercased()),
                  (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let full = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard full.hasPrefix(root + "/") else { continue }
            files.append(ImportFile(relativePath: String(full.dropFirst(root.count + 1)), url: url))
        }
        return files.sorted { $0.relativePath < $1.relativePath }
    }

    /// Texts keyed by file name, from a CSV (header row) or JSONL file. The key column is the first of
    /// `file`, `filename`, `path`, `image`; the text column is `textColumn`, else `text`. A key may be the
    /// relative path or just the file name.
    static func texts(from url: URL, textColumn: String) throws -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ImportError("cannot read \(url.path): \(error.localizedDescription)")
        }
        var content = String(decoding: data, as: UTF8.self)
        if content.hasPrefix("\u{FEFF}") { content.removeFirst() }  // a UTF-8 byte order mark (Excel)
        var rows: [[String: String]] = []
        switch url.pathExtension.lowercased() {
        case "csv":
            let table = try CSV.parse(content)
            guard let header = table.first else { return [:] }
            for (n, record) in table.dropFirst().enumerated() where !(record.count == 1 && record[0].isEmpty) {
                guard record.count == header.count else {
                    throw ImportError("\(url.lastPathComponent) row \(n + 2): \(record.count) fields, the header has \(header.count)")
                }
                rows.append(Dictionary(zip(header, record), uniquingKeysWith: { a, _ in a }))
            }
        case "jsonl", "ndjson":
            for (n, line) in content.split(whereSeparator: \.isNewline).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                    throw ImportError("\(url.lastPathComponent) line \(n + 1): not a JSON object")
                }
                rows.append(object.compactMapValues { $0 as? String })
            }
        default:
            throw ImportError("--text-file must end in .csv or .jsonl: \(url.lastPathComponent)")
        }
        let keyColumns = ["file", "filename", "path", "image"]
        var texts: [String: String] = [:]
        for (n, row) in rows.enumerated() {
            guard let key = keyColumns.lazy.compactMap({ row[$0] }).first else {
                throw ImportError("\(url.lastPathComponent) record \(n + 1): no file name (a column named file, filename, path or image)")
            }
            guard let text = row[textColumn] ?? row["text"] else {
                throw ImportError("\(url.lastPathComponent) record \(n + 1): no text (a column named \(textColumn) or text)")
            }
            texts[key] = text
        }
        return texts
    }
}

/// RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes.
enum CSV {
    static func parse(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false, afterQuote = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; afterQuote = true; pending = n }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": record.append(field); field = ""; afterQuote = false
            case "\r": continue
            case "\n": record.append(field); records.append(record); record = []; field = ""; afterQuote = false
            default:
                if afterQuote { throw ImportError("CSV: unexpected character after a closing quote in record \(records.count + 1)") }
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw ImportError("CSV: unterminated quoted field in record \(records.count + 1)") }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}

struct ImportError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
