// `Explore(limit offset nearVector|nearObject|near<Media>) { beacon className certainty distance }`.
import Database
import GraphQL

enum ExploreSchema {
    static func field(backend: any QueryBackend, modules: [any NearSearchVectorizer]) throws -> GraphQLField {
        let prefix = "Explore"
        var args: GraphQLArgumentConfigMap = [
            "limit": GraphQLArgument(type: GraphQLInt),
            "offset": GraphQLArgument(type: GraphQLInt),
            "nearVector": GraphQLArgument(type: try InputTypes.nearVector(prefix: prefix)),
            "nearObject": GraphQLArgument(type: try InputTypes.nearObject(prefix: prefix)),
        ]
        for kind in ModuleNearArgumentKind.allCases where modules.contains(where: { $0.nearArguments.contains(kind) }) {
            args[kind.rawValue] = GraphQLArgument(type: try InputTypes.moduleArgument(kind, prefix: prefix))
        }
        let hitType = try GraphQLObjectType(
            name: "ExploreObj",
            fields: [
                "beacon": GraphQLField(type: GraphQLString),
                "className": GraphQLField(type: GraphQLString),
                "certainty": GraphQLField(type: GraphQLFloat),
                "distance": GraphQLField(type: GraphQLFloat),
            ]
        )
        return GraphQLField(type: GraphQLList(hitType), args: args, resolve: { _, args, context, info in
            try QueryBudget.check()
            let selected = SelectionReader.childNames(info.fieldASTs, fragments: info.fragments)
            let request = ExploreRequest(
                near: try ArgumentParsing.near(args, context: context, info: info),
                limit: args[field: "limit"]?.asInt,
                offset: args[field: "offset"]?.asInt,
                certaintyRequested: selected.contains("certainty"))
            let hits = try await QueryBudget.withSlot { try await backend.explore(request) }
            try QueryBudget.charge(objects: hits.count, info: info)
            return hits.map {
                [
                    "beacon": $0.beacon, "className": $0.className,
                    "certainty": $0.certainty, "distance": Double($0.distance),
                ] as [String: any Sendable] as (any Sendable)?
            }
        })
    }
}
