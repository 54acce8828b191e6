import Foundation
import GRDB

/// Copies what can still be read out of a damaged store file into a new store: the schema rows and
/// every readable object row. Derived data is not copied but rebuilt by the next open (vector indexes
/// from the vectors, token tables from the properties), so the new store is consistent by construction.
public enum StoreSalvage {
    public struct TableResult: Sendable {
        public var table: String
        public var rowsCopied: Int
        /// Rowid ranges that could not be read (each a damaged stretch that was stepped over).
        public var skippedRanges: [ClosedRange<Int64>]
    }

    /// Copies `classes`, `tenants`, every `obj_<id>` / `obj_t<id>` table (with its indexes) and every named
    /// vector's `vec_…` table from the store file at `sourcePath`,
    /// opened read-only, into `target`, a freshly migrated empty store.
    public static func copyReadable(from sourcePath: String, into target: Store) throws -> [TableResult] {
        var config = Configuration()
        config.readonly = true
        let source = try DatabaseQueue(path: sourcePath, configuration: config)
        defer { try? source.close() }
        // Outside a transaction: SQLite can fail the COMMIT of a read that met a malformed page, which
        // would throw away everything copied (the server is stopped, so nothing changes meanwhile).
        return try source.inDatabase { src in
            let master = try Row.fetchAll(src, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL")
            let objectTables = master.filter {
                ($0[0] as String) == "table" && (($0[1] as String).hasPrefix("obj_") || ($0[1] as String).hasPrefix("vec_"))
            }
            var results: [TableResult] = []
            try target.pool.write { dst in
                results.append(try copyRows(of: "classes", from: src, into: dst))
                if try src.tableExists("tenants") { results.append(try copyRows(of: "tenants", from: src, into: dst)) }
                for table in objectTables {
                    let name: String = table[1]
                    try dst.execute(sql: table[3])
                    for index in master where (index[0] as String) == "index" && (index[2] as String) == name {
                        try dst.execute(sql: index[3])
                    }
                    results.append(try copyRows(of: name, from: src, into: dst))
                }
            }
            return results
        }
    }

    /// Walks `table` in rowid order in small pages; where a page cannot be read, reads row by row, and
    /// where a row cannot be read, finds the next readable rowid by probing forward (doubling the
    /// step, then bisecting back), so one damaged b-tree page costs only the rows it held.
    static func copyRows(of table: String, from src: GRDB.Database, into dst: GRDB.Database) throws -> TableResult {
        let columns = try Row.fetchAll(src, sql: "PRAGMA table_info(\(quoted(table)))").map { $0["name"] as String }
        let list = columns.map(quoted).joined(separator: ", ")
        // Every copied table's key is an INTEGER PRIMARY KEY (the rowid), so copying the columns keeps rowids.
        let insert = try dst.makeStatement(sql: "INSERT INTO \(quoted(table))(\(list)) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))")
        let select = "SELECT rowid, \(list) FROM \(quoted(table)) WHERE rowid >= ? ORDER BY rowid LIMIT ?"
        var result = TableResult(table: table, rowsCopied: 0, skippedRanges: [])
        func read(from start: Int64, limit: Int) -> [Row]? { try? Row.fetchAll(src, sql: select, arguments: [start, limit]) }

        var next = Int64.min
        while true {
            if let rows = read(from: next, limit: 256) ?? read(from: next, limit: 1) {
                guard let last = rows.last else { break }
                for row in rows {
                    try insert.execute(arguments: StatementArguments(Array(row.databaseValues.dropFirst())))
                }
                result.rowsCopied += rows.count
                if (last[0] as Int64) == Int64.max { break }
                next = (last[0] as Int64) + 1
                continue
            }
            // `next` cannot be read: find the smallest start beyond it that can.
            var bad = next, step: Int64 = 1, good: Int64?
            while good == nil {
                let (probe, overflow) = bad.addingReportingOverflow(step)
                if overflow { break }
                if read(from: probe, limit: 1) != nil { good = probe } else { bad = probe; step = step.multipliedReportingOverflow(by: 2).overflow ? Int64.max : step * 2 }
            }
            guard var hi = good else { result.skippedRanges.append(next...Int64.max); break }
            var lo = bad
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2
                if read(from: mid, limit: 1) != nil { hi = mid } else { lo = mid }
            }
            result.skippedRanges.append(next...(hi - 1))
            next = hi
        }
        return result
    }

    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
