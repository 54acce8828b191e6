import Foundation
import Storage
import VectorIndex

/// What opening proves before anything is served: the store file reads back sound, and each class's
/// vector index holds exactly the store's vectors. The store is the source of truth, so
/// - an index that disagrees with an intact store is rebuilt from the store (with a log line), but
/// - an index that has seen changes the store no longer has means acknowledged writes were lost (a
///   damaged or deleted WAL, a file restored from an old copy): Iris refuses to start rather than serve
///   a silently smaller store, and says how to look (`iris store check`) and how to accept the loss
///   (`iris store recover`).
extension Database {
    /// Objects whose vectors are compared with the index at open, per class.
    static let agreementSample = 64

    /// The refusal for a store that cannot be served as it is, naming the commands that inspect and repair it.
    static func refusal(_ what: String, dataPath: String) -> DatabaseError {
        DatabaseError(.internal, """
            \(what). Iris does not serve a store that lost or damaged data without a word. \
            Run `iris store check --data-path \(dataPath)` to see what is affected; \
            `iris store recover --data-path \(dataPath)` keeps every readable object, sets the damaged \
            files aside and rebuilds the indexes.
            """)
    }

    /// The refusal to open a store whose file SQLite found malformed while opening it.
    static func damagedStoreRefusal(_ error: Error, dataPath: String) -> DatabaseError {
        refusal("the store file at \(dataPath) is damaged (\(error))", dataPath: dataPath)
    }

    /// What `iris store check` (and the log) says of a malformed page met while reading.
    static func damageFinding(_ error: Error) -> String {
        "the store file is damaged (\(error)); `iris store recover` keeps every readable object"
    }

    /// A failure to read the store file, worded as damage when SQLite says the file is malformed.
    func storeFileFailure(_ error: Error) -> String {
        "the store file \(store.path) \(Database.isDamage(error) ? "is damaged" : "cannot be read"): \(error)"
    }

    /// Whether SQLite said the file is malformed (rather than unreadable for another reason).
    static func isDamage(_ error: Error) -> Bool {
        let code = (error as? GRDB.DatabaseError)?.resultCode
        return code == .SQLITE_CORRUPT || code == .SQLITE_NOTADB
    }

    /// What `PRAGMA quick_check` says of the store file: nil when sound, else the refusal to report.
    func storeFileProblem(_ db: GRDB.Database) -> DatabaseError? {
        let started = ContinuousClock.now
        let problems: [String]
        do { problems = try Store.quickCheck(db) } catch {
            // SQLite can stop the check itself at a page it finds malformed: that is damage too.
            return Database.refusal(storeFileFailure(error), dataPath: config.dataPath)
        }
        if problems.isEmpty {
            logger.info("store file checked", metadata: ["check": "quick_check", "took": "\(ContinuousClock.now - started)"])
            return nil
        }
        return Database.refusal("the store file \(store.path) is damaged (\(problems.prefix(3).joined(separator: "; ")))",
                                dataPath: config.dataPath)
    }

    /// Starts the whole-file check (unless IRIS_STARTUP_QUICK_CHECK is off). It reads every page, which
    /// costs seconds per GB with a cold cache, so it runs beside the server: reads are served at once,
    /// `/v1/.well-known/ready` is 503 and writes wait (`awaitStartupCheck`) until it passes. Damage
    /// found makes the store `.damaged`: every write is refused with the message naming the recovery.
    func startStoreFileCheck(then condition: StorageCondition) {
        guard config.startupQuickCheck else { return }
        // Opening already met a malformed page (`openIndex`): the damage is known and stays.
        if case .damaged = _storageCondition { return }
        _storageCondition = .checking
        startupCheck = Task { [self] in
            let problem: DatabaseError?
            do { problem = try await store.pool.read { db in self.storeFileProblem(db) } } catch {
                problem = Database.refusal(storeFileFailure(error), dataPath: config.dataPath)
            }
            if let problem {
                logger.critical("store file damaged", metadata: ["error": "\(problem.message)"])
                // Clients get the commands without the file paths; the log line above has everything.
                setStorageCondition(.damaged("the store file is damaged: stop Iris, run `iris store check` to see what is affected "
                                             + "and `iris store recover` to keep every readable object"))
            } else {
                setStorageCondition(condition.isWritable ? Database.probeStorage(config) : condition)
            }
        }
    }

    /// Writes call this first: they wait for the start-up file check rather than go into a file not yet proven sound.
    func awaitStartupCheck() async {
        await startupCheck?.value
    }

    /// Compares a freshly opened index with the store. Throws the refusal when the index has seen changes
    /// the store lost; returns why the index is wrong when it merely disagrees (nil when it agrees).
    func disagreement(of index: any VectorIndex, classID: Int64, className: String) throws -> String? {
        try store.pool.read { db in
            let last = try ChangeLog.lastSequence(db)
            if index.coveredSequence > last {
                throw Database.refusal("""
                    class '\(className)': its vector index holds changes up to sequence \(index.coveredSequence) \
                    but the store's change log ends at \(last): the store has lost acknowledged writes
                    """, dataPath: config.dataPath)
            }
            let stored = try ObjectTables.vectorCount(db, classID: classID)
            if stored != index.count {
                return "the index holds \(index.count) vectors, the store \(stored)"
            }
            for (docID, data) in try ObjectTables.sampleVectors(db, classID: classID, count: Database.agreementSample)
            where !index.holds(id: docID, vector: VectorCoding.decode(data)) {
                return "the index does not hold the stored vector of document \(docID)"
            }
            return nil
        }
    }
}
