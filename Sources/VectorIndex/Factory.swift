#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Creating and opening the index a class's `vectorIndexConfig` asks for.
public enum VectorIndexes {
    /// A new empty index: `FlatIndex` when `config.skip` is true (Weaviate's "skip" stores vectors
    /// without a graph), otherwise `HNSWIndex`, whose new empty graph log (`<snapshotPath>.log`,
    /// extending no snapshot) replaces any old one.
    public static func make(config: HNSWConfig, snapshotPath: String? = nil) throws -> any VectorIndex {
        if config.skip { return FlatIndex(metric: config.distance, snapshotPath: snapshotPath) }
        return try HNSWIndex(config: config, snapshotPath: snapshotPath)
    }

    /// Opens the snapshot at `snapshotPath` (whichever kind it holds) and, for HNSW, replays the graph
    /// log written since it. Throws
    /// `VectorIndexError.corruptSnapshot` if it is missing, torn or fails its checksum.
    public static func load(snapshotPath: String, config: HNSWConfig) throws -> any VectorIndex {
        let kind = try SnapshotReader(path: snapshotPath).readHeader().0
        switch kind {
        case .flat:
            let index = try FlatIndex.load(snapshotPath: snapshotPath)
            if index.metric != config.distance {
                throw VectorIndexError.invalidConfig("snapshot uses distance \(index.metric.rawValue) but the class is configured with \(config.distance.rawValue)")
            }
            return index
        case .hnsw:
            return try HNSWIndex.load(snapshotPath: snapshotPath, config: config)
        }
    }

    /// Loads the snapshot if there is a usable one that matches `config` and replays the HNSW graph log
    /// written since; without a usable snapshot, an HNSW index replays a log that extends an empty
    /// index (written before the first snapshot), else it starts empty. `loadError` says why a
    /// snapshot was not used (nil if loaded or there was none), so the caller can log it and replay
    /// its whole change log; otherwise it replays its change log after `coveredSequence`.
    public static func openOrCreate(config: HNSWConfig, snapshotPath: String) throws -> (index: any VectorIndex, loadError: Error?) {
        var loadError: Error?
        if access(snapshotPath) {
            do {
                let index = try load(snapshotPath: snapshotPath, config: config)
                let wantFlat = config.skip
                if wantFlat == (index is FlatIndex) { return (index, nil) }
                loadError = VectorIndexError.invalidConfig("snapshot kind does not match skip=\(config.skip); rebuilding")
            } catch { loadError = error }
        }
        if config.skip { return (try make(config: config, snapshotPath: snapshotPath), loadError) }
        return (try HNSWIndex.open(snapshotPath: snapshotPath, config: config), loadError)
    }

    /// Deletes every file an index keeps at `snapshotPath` (snapshot, graph log and their temporaries),
    /// e.g. when its class is deleted. Missing files are fine.
    public static func removeFiles(snapshotPath: String) {
        let log = HNSWIndex.logPath(snapshotPath)
        for path in [snapshotPath, snapshotPath + ".tmp", log, log + ".tmp"] { unlink(path) }
    }

    private static func access(_ path: String) -> Bool {
        (try? SnapshotReader(path: path)) != nil
    }
}
