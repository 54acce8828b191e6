import Foundation
import Logging
import Storage

extension Database {
    /// A storage failure as a client sees it: a short, stable message with an error id. The log line
    /// with the same id holds SQLite's text and the SQL, which must not reach clients (they name
    /// tables, columns and query shapes). A full or read-only disk is 503 (retry later), anything
    /// else 500. A `DatabaseError` (a per-request failure thrown inside the transaction) passes unchanged.
    func storageFailure(_ error: Error, _ operation: String) -> DatabaseError {
        if let e = error as? DatabaseError { return e }
        let id = String(ValueFormats.newUUID().prefix(8))
        logger.error("storage failure", metadata: ["errorID": "\(id)", "operation": "\(operation)", "error": "\(String(reflecting: error))"])
        let code = (error as? GRDB.DatabaseError)?.resultCode
        noteStorageError(code)
        if code == .SQLITE_FULL || code == .SQLITE_READONLY || code == .SQLITE_IOERR || code == .SQLITE_CANTOPEN {
            let why = code == .SQLITE_FULL ? "the disk is full" : code == .SQLITE_READONLY ? "the store is read-only" : "the store cannot be written"
            return DatabaseError(.unavailable, "\(operation) failed: \(why) (error id \(id))")
        }
        return DatabaseError(.internal, "\(operation) failed: storage error (error id \(id))")
    }
}
