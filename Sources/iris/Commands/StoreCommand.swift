import ArgumentParser
import Database
import Foundation
import Logging
import RESTAPI

/// `iris store check|recover`: inspect a data folder that `iris serve` refused to start on, and accept
/// the loss by keeping every readable object. Run them while the server is stopped.
struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Check a stopped server's data folder, or recover what is readable from a damaged one.",
        subcommands: [Check.self, Recover.self]
    )

    struct Location: ParsableArguments {
        @Option(help: "The data folder (default: PERSISTENCE_DATA_PATH, else ./data).")
        var dataPath: String?

        /// The settings `iris serve` would use, so the checks are the ones it runs (disk thresholds included).
        func config() throws -> DatabaseConfig {
            var environment = ProcessInfo.processInfo.environment
            if let dataPath { environment["PERSISTENCE_DATA_PATH"] = dataPath }
            do {
                return try ServeEnvironment.read(environment).database
            } catch let error as ConfigurationError {
                throw ValidationError(error.message)
            }
        }
    }

    static func logger() -> Logger {
        LoggingSystem.bootstrap { label in LogrusStyleHandler(label: label, format: .text, level: .warning) }
        return Logger(label: "iris")
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every start-up check without writing anything; exit 1 if any fails.",
            discussion: """
            Reads the whole store file (quick_check), opens each vector index from a temporary copy of its
            files and compares it with the store, as `iris serve` does at start. Prints each class's counts
            and every problem found.
            """
        )
        @OptionGroup var location: Location

        func run() throws {
            let config = try location.config()
            guard FileManager.default.fileExists(atPath: (config.dataPath as NSString).appendingPathComponent("iris.sqlite")) else {
                throw ValidationError("no store at \(config.dataPath) (iris.sqlite is missing)")
            }
            let report = Database.inspect(config: config, logger: Store.logger())
            for line in report.classes { print(line) }
            if report.problems.isEmpty {
                print("store is sound: \(config.dataPath)")
                return
            }
            for problem in report.problems { print("problem: \(problem)") }
            throw ExitCode(1)
        }
    }

    struct Recover: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep every readable object of a damaged store and rebuild its indexes.",
            discussion: """
            Moves iris.sqlite (with its WAL) and the index folder to <data>/damaged-<time>/ (nothing is
            deleted), copies the schema and every readable object into a new store, then rebuilds the vector
            indexes and keyword tables from them. Objects on damaged pages, and writes a damaged WAL lost,
            are gone; the report says how many rows were kept and which ranges were unreadable.
            """
        )
        @OptionGroup var location: Location

        func run() throws {
            let config = try location.config()
            let report: StoreRecoveryReport
            do {
                report = try Database.recover(config: config, logger: Store.logger())
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(1)
            }
            print("damaged files set aside in \(report.setAside)")
            for t in report.tables {
                let skipped = t.skippedRanges.isEmpty ? "" : "; unreadable rowid ranges: "
                    + t.skippedRanges.map { "\($0.lowerBound)...\($0.upperBound)" }.joined(separator: ", ")
                print("\(t.table): \(t.rowsCopied) rows kept\(skipped)")
            }
            print("store recovered: \(config.dataPath)")
        }
    }
}
