// Reads which sub-fields a query selected (through inline fragments and fragment spreads), so the
// engine knows e.g. whether `_additional { certainty vector }` was asked for.
import Database
import GraphQL

enum SelectionReader {
    /// Names of the fields selected directly under `fields` (the ASTs of one field, merged).
    static func childNames(_ fields: [Field], fragments: [String: FragmentDefinition]) -> Set<String> {
        var names = Set<String>()
        for field in fields {
            if let set = field.selectionSet { collect(set, fragments: fragments, into: &names, children: nil) }
        }
        return names
    }

    /// Names of the fields selected under the child field `child` of `fields`.
    static func grandchildNames(_ fields: [Field], child: String, fragments: [String: FragmentDefinition]) -> Set<String> {
        var names = Set<String>()
        for field in fields {
            if let set = field.selectionSet { collect(set, fragments: fragments, into: &names, children: child) }
        }
        return names
    }

    private static func collect(_ set: SelectionSet, fragments: [String: FragmentDefinition],
                                into names: inout Set<String>, children child: String?) {
        for selection in set.selections {
            switch selection {
            case let field as Field:
                if let child {
                    if field.name.value == child, let sub = field.selectionSet {
                        collect(sub, fragments: fragments, into: &names, children: nil)
                    }
                } else {
                    names.insert(field.name.value)
                }
            case let inline as InlineFragment:
                collect(inline.selectionSet, fragments: fragments, into: &names, children: child)
            case let spread as FragmentSpread:
                if let fragment = fragments[spread.name.value] {
                    collect(fragment.selectionSet, fragments: fragments, into: &names, children: child)
                }
            default:
                break
            }
        }
    }

    /// Fields selected under `fields`, at every level, fragments expanded (each spread counted where it is
    /// used, each fragment's count computed once), saturating at Int.max.
    static func fieldCount(_ fields: [Field], fragments: [String: FragmentDefinition]) -> Int {
        var memo: [String: Int] = [:]
        func add(_ a: Int, _ b: Int) -> Int {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? .max : sum
        }
        func count(_ set: SelectionSet) -> Int {
            var total = 0
            for selection in set.selections {
                switch selection {
                case let field as Field:
                    total = add(total, add(1, field.selectionSet.map(count) ?? 0))
                case let inline as InlineFragment:
                    total = add(total, count(inline.selectionSet))
                case let spread as FragmentSpread:
                    let name = spread.name.value
                    if let known = memo[name] {
                        total = add(total, known)
                    } else if let fragment = fragments[name] {
                        memo[name] = 0  // a cycle (refused by validation before execution) counts nothing
                        let n = count(fragment.selectionSet)
                        memo[name] = n
                        total = add(total, n)
                    }
                default:
                    break
                }
            }
            return total
        }
        return fields.reduce(0) { add($0, $1.selectionSet.map(count) ?? 0) }
    }

    static func additional(_ info: GraphQLResolveInfo) -> AdditionalSelection {
        let names = grandchildNames(info.fieldASTs, child: "_additional", fragments: info.fragments)
        let hitNames = descendantNames(info.fieldASTs, path: ["_additional", "group", "hits", "_additional"],
                                       fragments: info.fragments)
        return AdditionalSelection(
            id: names.contains("id"), vector: names.contains("vector") || names.contains("vectors"), distance: names.contains("distance"),
            certainty: names.contains("certainty"), creationTimeUnix: names.contains("creationTimeUnix"),
            lastUpdateTimeUnix: names.contains("lastUpdateTimeUnix"), score: names.contains("score"),
            explainScore: names.contains("explainScore"), groupHitVector: hitNames.contains("vector"))
    }

    /// Names of the fields selected at the end of `path` below `fields` (fragments expanded at every step).
    static func descendantNames(_ fields: [Field], path: [String], fragments: [String: FragmentDefinition]) -> Set<String> {
        var sets = fields.compactMap(\.selectionSet)
        for step in path {
            var next: [SelectionSet] = []
            for set in sets { subSelections(of: step, in: set, fragments: fragments, into: &next) }
            sets = next
        }
        var names = Set<String>()
        for set in sets { collect(set, fragments: fragments, into: &names, children: nil) }
        return names
    }

    private static func subSelections(of name: String, in set: SelectionSet, fragments: [String: FragmentDefinition],
                                      into out: inout [SelectionSet], depth: Int = 0) {
        guard depth < 64 else { return }  // fragment cycles are refused by validation; this only bounds the walk
        for selection in set.selections {
            switch selection {
            case let field as Field:
                if field.name.value == name, let sub = field.selectionSet { out.append(sub) }
            case let inline as InlineFragment:
                subSelections(of: name, in: inline.selectionSet, fragments: fragments, into: &out, depth: depth + 1)
            case let spread as FragmentSpread:
                if let fragment = fragments[spread.name.value] {
                    subSelections(of: name, in: fragment.selectionSet, fragments: fragments, into: &out, depth: depth + 1)
                }
            default:
                break
            }
        }
    }
}
