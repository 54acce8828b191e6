import Database
import Logging
import RESTAPI

/// Builds the module registry from ENABLE_MODULES. Each vectorizer module the binary knows is
/// constructed here (the multi2vec-clip wiring adds its case); unknown names stop start-up.
enum ServeModules {
    static func registry(enabled names: [String], logger: Logger) throws -> ModuleRegistry {
        let registry = ModuleRegistry()
        for name in names {
            logger.debug("enabling module", metadata: ["module": "\(name)"])
            throw ConfigurationError("ENABLE_MODULES: no module with name \"\(name)\" is available in this build")
        }
        return registry
    }
}
