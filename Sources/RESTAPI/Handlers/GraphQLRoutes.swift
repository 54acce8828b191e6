import Database
import Foundation

/// `POST /v1/graphql` and `/v1/graphql/batch`, delegated to the injected GraphQL handler.
enum GraphQLRoutes {
    /// Weaviate's answer when no GraphQL schema can be built (reference 4).
    static let noProvider = "no graphql provider present, this is most likely because no schema is present. Import a schema first!"

    static func register(into table: inout RouteTable, _ ctx: RouteContext) {
        table.add("POST", "/v1/graphql") { request in
            // Parsed here, so a malformed body gets the same 400 as on every other route.
            let body = try ctx.body(request)
            try ctx.authorize(request, "get", "traversal/*")
            guard let graphQL = ctx.graphQL else { return .error(422, noProvider) }
            let answer = await graphQL.query(body, request.principal)
            return APIResponse(status: answer.status, body: [UInt8](answer.body))
        }

        table.add("POST", "/v1/graphql/batch") { request in
            let body = try ctx.body(request)
            guard case .array(let queries) = body else {
                throw APIError.unparsableBody(
                    "json: cannot unmarshal \(GoFields.kind(body)) into Go value of type models.GraphQLQueries")
            }
            try ctx.authorize(request, "get", "traversal/*")
            guard let graphQL = ctx.graphQL else { return .error(422, noProvider) }
            if let batch = graphQL.batch {
                let answer = await batch(body, request.principal)
                return APIResponse(status: answer.status, body: [UInt8](answer.body))
            }
            var w = JSONWriter()
            w.raw("[")
            for (i, query) in queries.enumerated() {
                if i > 0 { w.raw(",") }
                let answer = await graphQL.query(query, request.principal)
                if answer.status == 200 {
                    w.append(contentsOf: [UInt8](answer.body))
                } else {
                    // A query the single endpoint refuses outright becomes that item's error.
                    let message = (try? JSONValue.parse(answer.body))?["error"]?.arrayValue?.first?["message"]?
                        .stringValue ?? "status \(answer.status)"
                    w.value(["errors": [["message": .string(message)]]])
                }
            }
            w.raw("]")
            return .json(200, writer: w)
        }
    }
}
