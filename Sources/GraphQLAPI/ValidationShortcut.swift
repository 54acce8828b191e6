// GraphQLSwift's validator spends time on every AST node, and a nearVector literal has one node per
// dimension, so validating a 512-d query cost more than the search itself. A list literal whose elements
// are all Int literals (or all Float literals) is valid exactly when a one-element list of its first
// element is (list items are checked one by one, and a list given for a non-list type is invalid at any
// length). So the query is validated in a copy where such long lists are cut to their first element;
// only if that copy has errors is the query as sent validated, so errors (messages, locations) are
// always those of the original text.
import GraphQL

enum ValidationShortcut {
    /// Lists shorter than this are validated as they are.
    static let minimumLength = 8

    static func validateQuery(schema: GraphQLSchema, document: Document, source: String) -> [GraphQLError] {
        guard let shape = shortened(document: document, source: source) else {
            return validate(schema: schema, ast: document)
        }
        if let shapeDocument = try? parse(source: Source(body: shape, name: "GraphQL request")),
           validate(schema: schema, ast: shapeDocument).isEmpty {
            return []
        }
        return validate(schema: schema, ast: document)
    }

    /// The query text with long Int-only / Float-only list literals cut to their first element;
    /// nil when there is nothing to cut.
    static func shortened(document: Document, source: String) -> String? {
        var found: [(start: Int, end: Int, first: Range<Int>)] = []
        for definition in document.definitions { collect(definition, into: &found) }
        guard !found.isEmpty else { return nil }
        var bytes = Array(source.utf8)
        // GraphQLSwift 4.3 gives list values a wrong end offset; the list ends at the first `]` after its
        // last element (`end` holds that element's end here).
        var cuts: [(start: Int, end: Int, first: Range<Int>)] = []
        for cut in found {
            var end = cut.end
            while end < bytes.count, bytes[end] != UInt8(ascii: "]") { end += 1 }
            guard end < bytes.count, bytes[cut.start] == UInt8(ascii: "[") else { return nil }
            cuts.append((cut.start, end + 1, cut.first))
        }
        for cut in cuts.sorted(by: { $0.start > $1.start }) {
            guard cut.start >= 0, cut.end <= bytes.count, cut.first.lowerBound >= cut.start,
                  cut.first.upperBound <= cut.end else { return nil }
            let first = Array(bytes[cut.first])
            bytes.replaceSubrange(cut.start..<cut.end, with: [UInt8(ascii: "[")] + first + [UInt8(ascii: "]")])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func collect(_ node: Any, into cuts: inout [(start: Int, end: Int, first: Range<Int>)]) {
        switch node {
        case let operation as OperationDefinition:
            for variable in operation.variableDefinitions {
                if let value = variable.defaultValue { collect(value, into: &cuts) }
            }
            operation.directives.forEach { collect($0, into: &cuts) }
            collect(operation.selectionSet, into: &cuts)
        case let fragment as FragmentDefinition:
            fragment.directives.forEach { collect($0, into: &cuts) }
            collect(fragment.selectionSet, into: &cuts)
        case let set as SelectionSet:
            for selection in set.selections { collect(selection, into: &cuts) }
        case let field as Field:
            field.arguments.forEach { collect($0.value, into: &cuts) }
            field.directives.forEach { collect($0, into: &cuts) }
            if let set = field.selectionSet { collect(set, into: &cuts) }
        case let inline as InlineFragment:
            inline.directives.forEach { collect($0, into: &cuts) }
            collect(inline.selectionSet, into: &cuts)
        case let spread as FragmentSpread:
            spread.directives.forEach { collect($0, into: &cuts) }
        case let directive as Directive:
            directive.arguments.forEach { collect($0.value, into: &cuts) }
        case let object as ObjectValue:
            object.fields.forEach { collect($0.value, into: &cuts) }
        case let list as ListValue:
            let values = list.values
            let allInts = values.allSatisfy { $0 is IntValue }
            let allFloats = values.allSatisfy { $0 is FloatValue }
            if values.count >= minimumLength, allInts || allFloats, let loc = list.loc,
               let firstLoc = nodeLocation(values[0]), let lastLoc = nodeLocation(values[values.count - 1]) {
                cuts.append((loc.start, lastLoc.end, firstLoc.start..<firstLoc.end))
            } else {
                values.forEach { collect($0, into: &cuts) }
            }
        default:
            break
        }
    }

    private static func nodeLocation(_ value: Value) -> Location? {
        switch value {
        case let v as IntValue: return v.loc
        case let v as FloatValue: return v.loc
        default: return nil
        }
    }
}
