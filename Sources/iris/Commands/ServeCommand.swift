import ArgumentParser
import Database
import Foundation
import GraphQLAPI
import GRPCAPI
import Logging
import RESTAPI

/// `iris serve`: the database server (Weaviate v1.19's REST and GraphQL APIs).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the database server: Weaviate's REST and GraphQL APIs (1.19 behaviour) and its gRPC API.",
        discussion: "Configured by Weaviate's environment variables (PERSISTENCE_DATA_PATH, QUERY_DEFAULTS_LIMIT, "
            + "AUTHENTICATION_*, AUTHORIZATION_ADMINLIST_*, ENABLE_MODULES, PROMETHEUS_MONITORING_*, CORS_ALLOW_ORIGIN, GRPC_PORT, …) "
            + "IRIS_MAX_BODY_BYTES and GRAPHQL_MAX_*; see the README."
    )

    @Option(help: "The IP to listen on.")
    var host = "0.0.0.0"

    @Option(help: "The port to listen on.")
    var port = 8080

    @Option(help: "The gRPC port (default: GRPC_PORT, else 50051; 0 picks a free port).")
    var grpcPort: Int?

    @Option(help: "The listener scheme (Iris serves plain http; terminate TLS in front of it).")
    var scheme = "http"

    func validate() throws {
        guard scheme == "http" else {
            throw ValidationError("--scheme \(scheme) is not supported: Iris serves http (put a TLS proxy in front for https)")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if let grpcPort, !(0...65535).contains(grpcPort) {
            throw ValidationError("--grpc-port must be between 0 and 65535")
        }
    }

    func run() async throws {
        let environment: ServeEnvironment
        let restConfiguration: RESTConfiguration
        do {
            environment = try ServeEnvironment.read()
            restConfiguration = RESTConfiguration(
                authenticator: try environment.authenticator(),
                authorizer: try environment.authorizer(),
                maxBodyBytes: environment.maxBodyBytes,
                maxBodyValues: environment.maxBodyValues,
                metaHostname: "\(scheme)://\(host == "0.0.0.0" ? "[::]" : host):\(port)",
                nodeName: environment.database.hostname,
                scheme: scheme,
                cors: environment.cors
            )
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("iris serve: invalid configuration: \(error.message)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }

        let logger = Self.bootstrapLogging(environment)
        let dataPath = environment.database.dataPath
        do {
            try FileManager.default.createDirectory(atPath: dataPath, withIntermediateDirectories: true)
        } catch {
            logger.critical("cannot create PERSISTENCE_DATA_PATH", metadata: ["path": "\(dataPath)", "error": "\(error)"])
            throw ExitCode(78)
        }

        let modules: ModuleRegistry
        do {
            modules = try await ServeModules.registry(
                enabled: environment.database.enabledModules, dataPath: dataPath, logger: logger)
        } catch let error as ConfigurationError {
            logger.critical("invalid configuration", metadata: ["error": "\(error.message)"])
            throw ExitCode(78)
        }

        let started = ContinuousClock.now
        let database: Database
        do {
            database = try await Database.make(config: environment.database, modules: modules, logger: logger)
        } catch {
            logger.critical("could not open the database", metadata: ["path": "\(dataPath)", "error": "\(error)"])
            throw ExitCode(1)
        }
        logger.info("database opened", metadata: [
            "action": "startup", "path": "\(dataPath)", "classes": "\(database.schema().count)",
            "took": "\(ContinuousClock.now - started)",
        ])

        let graphQL = GraphQLService(database: database, limits: environment.graphQLLimits)
        let provider = GraphQLProvider(
            query: { body, _ in await graphQL.handle(json: body) },
            batch: { body, _ in await graphQL.handleBatch(json: body) }
        )
        let server = RESTServer(
            configuration: restConfiguration, database: database, graphQL: provider,
            metrics: environment.metricsPort == nil ? nil : RESTMetrics.bootstrapPrometheus(), logger: logger
        )

        // gRPC first: a port that cannot be bound stops start-up before REST reports ready.
        let grpc = IrisGRPCServer(
            configuration: GRPCConfiguration(
                host: host, port: grpcPort ?? environment.grpcPort, authenticator: restConfiguration.authenticator,
                authorizer: restConfiguration.authorizer, maxMessageBytes: environment.grpcMaxMessageBytes),
            database: database)
        let grpcTask = Task { try await grpc.serve() }
        do {
            let bound = try await grpc.listeningPort()
            logger.info("grpc server listening at \(host):\(bound)", metadata: ["action": "startup"])
        } catch {
            logger.critical("could not start the gRPC server", metadata: ["error": "\(error)", "port": "\(grpcPort ?? environment.grpcPort)"])
            grpcTask.cancel()
            try? database.close()
            throw ExitCode(1)
        }

        do {
            try await server.run(host: host, port: port, metricsPort: environment.metricsPort) { boundPort in
                logger.info("Serving weaviate at \(scheme)://\(host):\(boundPort)", metadata: ["action": "startup"])
            }
        } catch {
            logger.critical("server stopped", metadata: ["error": "\(error)"])
            grpc.beginGracefulShutdown()
            try? database.close()
            throw ExitCode(1)
        }
        // REST has drained (SIGTERM/SIGINT): let in-flight RPCs finish before the database closes.
        grpc.beginGracefulShutdown()
        _ = await grpcTask.result
        logger.info("shutting down: persisting vector indexes", metadata: ["action": "shutdown"])
        do {
            try database.close()
        } catch {
            logger.error("closing the database failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        logger.info("shutdown complete", metadata: ["action": "shutdown"])
    }

    static func bootstrapLogging(_ environment: ServeEnvironment) -> Logger {
        let level: Logger.Level = environment.logLevel == "trace" ? .trace : environment.logLevel == "debug" ? .debug : .info
        let format: LogrusStyleHandler.Format = environment.logFormat == "text" ? .text : .json
        LoggingSystem.bootstrap { label in LogrusStyleHandler(label: label, format: format, level: level) }
        return Logger(label: "iris")
    }
}
