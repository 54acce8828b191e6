// Writes GraphQL results as Weaviate's JSON (`models.GraphQLResponse`): `data` (omitted when nil),
// `errors[] {locations, message, path}`. Own writer so field order follows the query and floats print
// as Go's encoding/json prints float64 (shortest round-trip form).
import Foundation
import GraphQL
import JSON

enum ResponseEncoding {
    static func encode(_ result: GraphQLResult) -> Data {
        var out = "{"
        var first = true
        if let data = result.data {
            out += "\"data\":"
            write(data, to: &out)
            first = false
        }
        if !result.errors.isEmpty {
            if !first { out += "," }
            out += "\"errors\":"
            writeErrors(result.errors, to: &out)
        }
        out += "}"
        return Data(out.utf8)
    }

    static func writeErrors(_ errors: [GraphQLError], to out: inout String) {
        out += "["
        for (i, error) in errors.enumerated() {
            if i > 0 { out += "," }
            out += "{"
            if !error.locations.isEmpty {
                out += "\"locations\":["
                for (j, loc) in error.locations.enumerated() {
                    if j > 0 { out += "," }
                    out += "{\"column\":\(loc.column),\"line\":\(loc.line)}"
                }
                out += "],"
            }
            out += "\"message\":"
            writeString(error.message, to: &out)
            if !error.path.elements.isEmpty {
                out += ",\"path\":["
                for (j, element) in error.path.elements.enumerated() {
                    if j > 0 { out += "," }
                    switch element {
                    case .index(let i): out += String(i)
                    case .key(let k): writeString(k, to: &out)
                    }
                }
                out += "]"
            }
            out += "}"
        }
        out += "]"
    }

    /// Weaviate's REST-style error body `{"error":[{"message": ...}]}` (422 responses of /v1/graphql).
    static func restError(_ message: String) -> Data {
        var out = "{\"error\":[{\"message\":"
        writeString(message, to: &out)
        out += "}]}"
        return Data(out.utf8)
    }

    static func write(_ map: Map, to out: inout String) {
        switch map {
        case .undefined, .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): writeNumber(n, to: &out)
        case .string(let s): writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .dictionary(let dict):
            out += "{"
            var first = true
            for (key, value) in dict {
                if case .undefined = value { continue }
                if !first { out += "," }
                first = false
                writeString(key, to: &out)
                out += ":"
                write(value, to: &out)
            }
            out += "}"
        }
    }

    static func writeNumber(_ n: Number, to out: inout String) {
        switch n.storageType {
        case .bool: out += n.boolValue ? "true" : "false"
        case .int, .unknown: out += String(n.intValue)
        case .double:
            JSONText.appendDouble(n.doubleValue, to: &out)
        }
    }

    static func writeString(_ s: String, to out: inout String) { JSONText.appendQuoted(s, to: &out) }
}
