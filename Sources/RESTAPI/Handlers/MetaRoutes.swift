import Database

/// `/v1/meta`, `/v1/nodes` and `/v1/schema/cluster-status` (the root `/v1` is served before auth).
enum MetaRoutes {
    static func register(into table: inout RouteTable, _ ctx: RouteContext) {
        table.add("GET", "/v1/meta") { request in
            try ctx.authorize(request, "list", "meta")
            var modules: [String: JSONValue] = [:]
            for name in ctx.database.modules.names {
                guard let module = ctx.database.modules.module(named: name) else { continue }
                do {
                    modules[name] = try await module.meta()
                } catch {
                    // Weaviate asks each module (e.g. the inference container) and fails if one is down.
                    return .error(500, "module '\(name)': \(error)")
                }
            }
            return .json(200, [
                "hostname": .string(ctx.configuration.metaHostname),
                "version": .string(RESTConfiguration.weaviateVersion),
                "modules": .object(modules),
            ])
        }

        table.add("GET", "/v1/nodes") { request in
            try ctx.authorize(request, "list", "nodes")
            var shards: [JSONValue] = []
            var total = 0
            // A store that refuses writes shows as Weaviate shows a node whose shards went read-only.
            let condition = ctx.database.storageCondition
            let counts = try await ctx.database.objectCounts()
            for definition in ctx.database.schema() {
                let count = counts[definition.className] ?? 0
                total += count
                for shard in (try? ctx.database.shards(ofClass: definition.className)) ?? [] {
                    var fields: [String: JSONValue] = [
                        "name": .string(shard.name), "class": .string(definition.className),
                        "objectCount": .int(Int64(count)),
                    ]
                    if !condition.isWritable { fields["vectorIndexingStatus"] = "READONLY" }
                    shards.append(.object(fields))
                }
            }
            var node: JSONValue = [
                "name": .string(ctx.configuration.nodeName),
                "status": condition.isWritable ? "HEALTHY" : "UNHEALTHY",
                "version": .string(RESTConfiguration.weaviateVersion),
                "gitHash": "iris",
                "stats": ["shardCount": .int(Int64(shards.count)), "objectCount": .int(Int64(total))],
                "shards": .array(shards),
            ]
            if let why = condition.reason, case .object(var fields) = node {
                fields["storageRefusesWrites"] = .string(why)
                node = .object(fields)
            }
            return .json(200, ["nodes": [node]])
        }

        table.add("GET", "/v1/schema/cluster-status") { request in
            try ctx.authorize(request, "list", "schema/*")
            return .json(200, [
                "hostname": .string(ctx.configuration.nodeName), "healthy": true, "nodeCount": 1,
                "ignoreSchemaSync": false,
            ])
        }
    }

    /// `GET /v1`: links to the API's parts (served without authentication, as Weaviate does).
    static let rootLinks: JSONValue = [
        "links": [
            ["name": "Meta information about this instance/cluster", "href": "/v1/meta"],
            ["name": "view complete schema", "href": "/v1/schema",
             "documentationHref": "https://weaviate.io/developers/weaviate/api/rest/schema"],
            ["name": "CRUD schema", "href": "/v1/schema{/:className}",
             "documentationHref": "https://weaviate.io/developers/weaviate/api/rest/schema"],
            ["name": "CRUD objects", "href": "/v1/objects{/:id}",
             "documentationHref": "https://weaviate.io/developers/weaviate/api/rest/objects"],
            ["name": "batch operations", "href": "/v1/batch",
             "documentationHref": "https://weaviate.io/developers/weaviate/api/rest/batch"],
            ["name": "GraphQL queries", "href": "/v1/graphql",
             "documentationHref": "https://weaviate.io/developers/weaviate/api/graphql"],
            ["name": "nodes status", "href": "/v1/nodes",
             "documentationHref": "https://weaviate.io/developers/weaviate/api/rest/nodes"],
        ],
    ]
}
