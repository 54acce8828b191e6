import Database

/// `/v1/schema`: classes, properties and shards.
enum SchemaRoutes {
    static func register(into table: inout RouteTable, _ ctx: RouteContext) {
        table.add("GET", "/v1/schema") { request in
            try ctx.authorize(request, "list", "schema/*")
            return .json(200, ["classes": .array(ctx.database.schema().map(\.json))])
        }

        table.add("POST", "/v1/schema") { request in
            let definition = try BodyDecoding.classDefinition(try ctx.body(request))
            try ctx.authorize(request, "create", "schema/objects")
            return .json(200, try await ctx.database.createClass(definition).json)
        }

        table.add("GET", "/v1/schema/{className}") { request in
            try ctx.authorize(request, "list", "schema/*")
            guard let definition = ctx.database.getClass(request.parameter("className")) else { return .empty(404) }
            return .json(200, definition.json)
        }

        table.add("PUT", "/v1/schema/{className}") { request in
            let definition = try BodyDecoding.classDefinition(try ctx.body(request))
            try ctx.authorize(request, "update", "schema/objects")
            return .json(200, try await ctx.database.updateClass(request.parameter("className"), definition).json)
        }

        table.add("DELETE", "/v1/schema/{className}") { request in
            try ctx.authorize(request, "delete", "schema/objects")
            do {
                try await ctx.database.deleteClass(request.parameter("className"))
            } catch let e as DatabaseError where e.kind == .badRequest {
                // Weaviate ≥ 1.25 answers 200 for a class that does not exist (1.19: 400), and
                // weaviate-client 4.x deletes before every create relying on it.
            }
            return .empty(200)
        }

        table.add("POST", "/v1/schema/{className}/properties") { request in
            let property = try BodyDecoding.property(try ctx.body(request))
            try ctx.authorize(request, "update", "schema/objects")
            return .json(200, try await ctx.database.addProperty(toClass: request.parameter("className"), property).json)
        }

        table.add("GET", "/v1/schema/{className}/shards") { request in
            let className = request.parameter("className")
            try ctx.authorize(request, "list", "schema/\(className)/shards")
            let shards = try ctx.database.shards(ofClass: className)
            return .json(200, .array(shards.map { ["name": .string($0.name), "status": .string($0.status)] }))
        }

        table.add("PUT", "/v1/schema/{className}/shards/{shardName}") { request in
            let className = request.parameter("className")
            let shardName = request.parameter("shardName")
            let fields = try GoFields(try ctx.body(request), model: "ShardStatus", goType: "models.ShardStatus")
            let status = try fields.string("status") ?? ""
            try ctx.authorize(request, "update", "schema/\(className)/shards/\(shardName)")
            let updated = try await ctx.database.updateShardStatus(ofClass: className, shard: shardName, status: status)
            return .json(200, ["status": .string(updated.status)])
        }
    }
}
