import Database

/// `/v1/batch/objects` (upsert; delete by where filter) and `/v1/batch/references`.
enum BatchRoutes {
    static func register(into table: inout RouteTable, _ ctx: RouteContext) {
        table.add("POST", "/v1/batch/objects") { request in
            try ctx.consistencyLevel(request)
            let inputs = try BodyDecoding.batchObjects(
                request, maxDepth: ctx.configuration.maxJSONDepth, maxValues: ctx.configuration.maxBodyValues)
            try ctx.authorize(request, "create", "batch/objects")
            let results = try await ctx.database.batchObjects(inputs)
            // Each item echoes the object with its own result, in input order. Weaviate also echoes every
            // vector, megabytes that clients do not read (the Python client reads `result`, and resends
            // failed items from the reply); so a stored item's vector is echoed only with include=vector,
            // a failed item's always.
            let echoVectors = ctx.includesVector(request)
            var w = JSONWriter(reservingCapacity: results.count * 256)
            w.raw("[")
            for (i, result) in results.enumerated() {
                if i > 0 { w.raw(",") }
                var echoed = result.object
                // Weaviate echoes each batch item's id as sent (it does not lower-case batch ids).
                if i < inputs.count, let id = inputs[i].id, id.lowercased() == echoed.id.lowercased() { echoed.id = id }
                w.object(echoed, includeVector: echoVectors || result.error != nil) { w in
                    w.raw(",\"deprecations\":null,\"result\":")
                    if let error = result.error {
                        w.raw("{\"errors\":{\"error\":[{\"message\":")
                        w.string(error)
                        w.raw("}]}}")
                    } else {
                        w.raw("{}")
                    }
                }
            }
            w.raw("]")
            return .json(200, writer: w)
        }

        table.add("DELETE", "/v1/batch/objects") { request in
            try ctx.consistencyLevel(request)
            let body = try ctx.body(request)
            let fields = try GoFields(body, model: "BatchDelete", goType: "models.BatchDelete")
            let match = try fields.jsonObject("match", goType: "models.BatchDeleteMatch")
            let matchFields = try GoFields(.object(match ?? [:]), model: "BatchDeleteMatch", goType: "models.BatchDeleteMatch")
            let className = try matchFields.string("class")
            let output = try fields.string("output") ?? "minimal"
            let dryRun = try fields.bool("dryRun") ?? false
            try ctx.authorize(request, "delete", "batch/objects")
            guard output == "minimal" || output == "verbose" else {
                throw APIError.unprocessable("validate: invalid output: \(output)")
            }
            let filter = try matchFields.raw("where").map { try WhereFilter.from(json: $0) }
            let result = try await ctx.database.batchDelete(
                className: className, filter: filter, dryRun: dryRun, verbose: output == "verbose", tenant: ctx.tenant(request))
            let items: [JSONValue] = result.objects.map { item in
                var o: [String: JSONValue] = ["id": .string(item.id), "status": .string(item.status)]
                if let error = item.error { o["errors"] = ["error": [["message": .string(error)]]] }
                return .object(o)
            }
            return .json(200, [
                "match": .object(match ?? [:]),
                "output": .string(output),
                "dryRun": .bool(dryRun),
                "results": [
                    "matches": .int(Int64(result.matches)),
                    "limit": .int(Int64(result.limit)),
                    "successful": .int(Int64(result.successful)),
                    "failed": .int(Int64(result.failed)),
                    "objects": .array(items),
                ],
            ])
        }

        table.add("POST", "/v1/batch/references") { request in
            try ctx.consistencyLevel(request)
            let references = try BodyDecoding.batchReferences(try ctx.body(request))
            try ctx.authorize(request, "update", "batch/*")
            let results = try await ctx.database.batchReferences(references)
            return .json(200, .array(results.map { r in
                var result: [String: JSONValue] = ["status": r.error == nil ? "SUCCESS" : "FAILED"]
                if let error = r.error { result["errors"] = ["error": [["message": .string(error)]]] }
                return ["from": .string(r.from), "to": .string(r.to), "result": .object(result)]
            }))
        }
    }
}
