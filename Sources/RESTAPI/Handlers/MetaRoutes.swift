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
            return try await nodes(request, ctx, className: nil)
        }
        // Weaviate ≥ 1.24: the node with only one class's shards (the v4 client's `collection.shards()`).
        table.add("GET", "/v1/nodes/{className}") { request in
            try ctx.authorize(request, "list", "nodes")
            return try await nodes(request, ctx, className: request.parameter("className"))
        }

        table.add("GET", "/v1/schema/cluster-status") { request in
            try ctx.authorize(request, "list", "schema/*")
            return .json(200, [
                "hostname": .string(ctx.configuration.nodeName), "healthy": true, "nodeCount": 1,
                "ignoreSchemaSync": false,
            ])
        }
    }

    /// The one node, its shards (every class's, or one class's) and object counts. `output=minimal` leaves
    /// the shards out as Weaviate ≥ 1.24 does; without `output` they are listed, as 1.19 always did.
    private static func nodes(_ request: APIRequest, _ ctx: RouteContext, className: String?) async throws -> APIResponse {
        let output = request.query["output"] ?? "verbose"
        guard output == "verbose" || output == "minimal" else {
            return .error(422, "output: must be one of minimal, verbose, got \"\(output)\"")
        }
        var classes = ctx.database.schema()
        if let className {
            guard let definition = ctx.database.getClass(className) else { return .error(404, "class '\(className)' not found") }
            classes = [definition]
        }
        // A store that refuses writes shows as Weaviate shows a node whose shards went read-only.
        let condition = ctx.database.storageCondition
        var shards: [JSONValue] = []
        var total = 0
        for definition in classes {
            // A class deleted since `schema()` was read has no shards any more.
            for shard in (try? await ctx.database.shardCounts(ofClass: definition.className)) ?? [] {
                total += shard.objectCount
                // The embedded engine indexes vectors as they are written; PostgreSQL's builds an index once
                // an import pauses, and its vectors wait meanwhile (Weaviate's asynchronous indexing).
                let status = !condition.isWritable ? "READONLY" : shard.vectorQueue > 0 ? "INDEXING" : "READY"
                shards.append([
                    "name": .string(shard.name), "class": .string(definition.className),
                    "objectCount": .int(Int64(shard.objectCount)),
                    "vectorIndexingStatus": .string(status),
                    "vectorQueueLength": .int(Int64(shard.vectorQueue)), "compressed": false, "loaded": true,
                ])
            }
        }
        var node: [String: JSONValue] = [
            "name": .string(ctx.configuration.nodeName),
            "status": condition.isWritable ? "HEALTHY" : "UNHEALTHY",
            "version": .string(RESTConfiguration.weaviateVersion),
            "gitHash": "iris",
            "stats": ["shardCount": .int(Int64(shards.count)), "objectCount": .int(Int64(total))],
            "batchStats": ["queueLength": 0, "ratePerSecond": 0],
        ]
        if output == "verbose" { node["shards"] = .array(shards) }
        if let why = condition.reason { node["storageRefusesWrites"] = .string(why) }
        return .json(200, ["nodes": [.object(node)]])
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
