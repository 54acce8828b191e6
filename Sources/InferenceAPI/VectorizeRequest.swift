import Foundation

/// The body of the container's `POST /vectorize`: `{"texts": [str], "images": [base64 str]}`, both
/// optional (default `[]`). Parsed leniently about the Content-Type (Weaviate sends none, curl -d sends a
/// form type) but strictly about the shape, answering FastAPI's 422 `{"detail": [...]}` on a bad one.
struct VectorizeRequest {
    var texts: [String] = []
    var images: [String] = []

    /// A validation failure in FastAPI/pydantic's shape.
    /// Holds the encoded body, not the `[String: Any]` issues, so that the error is Sendable.
    struct Invalid: Error {
        let body: Data
        init(detail: [[String: Any]]) {
            body = (try? JSONSerialization.data(withJSONObject: ["detail": detail])) ?? Data()
        }
    }

    init(json body: [UInt8]) throws {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw Invalid(detail: [Self.issue(["body"], "field required", "value_error.missing")])
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
        } catch {
            throw Invalid(detail: [Self.issue(["body"], "invalid JSON: \(error.localizedDescription)", "value_error.jsondecode")])
        }
        guard let fields = object as? [String: Any] else {
            throw Invalid(detail: [Self.issue(["body"], "value is not a valid dict", "type_error.dict")])
        }
        var problems: [[String: Any]] = []
        texts = Self.strings(fields["texts"], name: "texts", problems: &problems)
        images = Self.strings(fields["images"], name: "images", problems: &problems)
        if !problems.isEmpty { throw Invalid(detail: problems) }
    }

    private static func strings(_ value: Any?, name: String, problems: inout [[String: Any]]) -> [String] {
        guard let value, !(value is NSNull) else { return [] }
        guard let list = value as? [Any] else {
            problems.append(issue(["body", name], "value is not a valid list", "type_error.list"))
            return []
        }
        var out: [String] = []
        for (i, item) in list.enumerated() {
            // pydantic v1 coerces numbers to str for `List[str]`; anything else is an error.
            if let s = item as? String { out.append(s) } else if let n = item as? NSNumber, !(item is Bool) {
                out.append(n.stringValue)
            } else {
                problems.append(issue(["body", name, i], "str type expected", "type_error.str"))
            }
        }
        return out
    }

    private static func issue(_ loc: [Any], _ msg: String, _ type: String) -> [String: Any] {
        ["loc": loc, "msg": msg, "type": type]
    }
}
