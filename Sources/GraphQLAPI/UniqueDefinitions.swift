// Operation and fragment names, checked before GraphQLSwift validates a document. Its AST nodes hash by
// identity but compare by structure, and its validator keys dictionaries by operation and by fragment, so
// a document holding two identical operations (`{ __typename } { __typename }`) or fragments could stop
// the process ("Duplicate keys of type 'HasSelectionSet' were found in a Dictionary"). Identical
// definitions always share a name (or are both anonymous), which the spec's uniqueness rules refuse, so a
// document that breaks them is answered with those errors, worded as GraphQLSwift's own rules word them,
// and is not validated further.
import GraphQL

enum UniqueDefinitions {
    /// The document's uniqueness errors: repeated operation or fragment names, and an anonymous operation
    /// beside others. Empty when there are none and the document can be validated.
    static func problems(in document: Document) -> [GraphQLError] {
        var errors: [GraphQLError] = []
        var operations: [String: Name] = [:]
        var fragments: [String: Name] = [:]
        let operationCount = document.definitions.count { $0 is OperationDefinition }
        for definition in document.definitions {
            if let operation = definition as? OperationDefinition {
                guard let name = operation.name else {
                    if operationCount > 1 {
                        errors.append(GraphQLError(message: "This anonymous operation must be the only defined operation.",
                                                   nodes: [operation]))
                    }
                    continue
                }
                if let known = operations[name.value] {
                    errors.append(GraphQLError(message: "There can be only one operation named \"\(name.value)\".",
                                               nodes: [known, name]))
                } else {
                    operations[name.value] = name
                }
            } else if let fragment = definition as? FragmentDefinition {
                if let known = fragments[fragment.name.value] {
                    errors.append(GraphQLError(message: "There can be only one fragment named \"\(fragment.name.value)\".",
                                               nodes: [known, fragment.name]))
                } else {
                    fragments[fragment.name.value] = fragment.name
                }
            }
        }
        return errors
    }
}
