import Hashing

/// One file of the console as served: its bytes (compiled into the binary), media type and entity tag.
struct ConsoleFile: Sendable {
    let bytes: [UInt8]
    let contentType: String
    let etag: String

    init(_ bytes: [UInt8], _ contentType: String) {
        self.bytes = bytes
        self.contentType = contentType
        etag = "\"c-\(SHA256.hex(SHA256.hash(bytes)).prefix(32))\""
    }
}

/// The console's files, by name under `/console/`. They live as plain files in Console/Files and SwiftPM
/// compiles them into the binary (`.embedInCode` in Package.swift), so `iris` needs nothing beside it.
/// A new file needs a line here and one in Package.swift.
enum ConsoleFiles {
    static let all: [String: ConsoleFile] = {
        let html = "text/html; charset=utf-8", js = "text/javascript; charset=utf-8", css = "text/css; charset=utf-8"
        return [
            "index.html": ConsoleFile(PackageResources.index_html, html),
            "console.css": ConsoleFile(PackageResources.console_css, css),
            "app.js": ConsoleFile(PackageResources.app_js, js),
            "api.js": ConsoleFile(PackageResources.api_js, js),
            "dom.js": ConsoleFile(PackageResources.dom_js, js),
            "schema.js": ConsoleFile(PackageResources.schema_js, js),
            "collections.js": ConsoleFile(PackageResources.collections_js, js),
            "search.js": ConsoleFile(PackageResources.search_js, js),
            "detail.js": ConsoleFile(PackageResources.detail_js, js),
            "import.js": ConsoleFile(PackageResources.import_js, js),
            "query.js": ConsoleFile(PackageResources.query_js, js),
        ]
    }()
}
