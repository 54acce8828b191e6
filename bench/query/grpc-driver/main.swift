// bench-grpc: drives a server's gRPC Search with pre-encoded requests and reports QPS and latency.
//
// The requests are serialised by bench/query/grpc_messages.py with the official client's own protobuf
// classes, so this driver needs no generated code: it sends and receives raw message bytes.
//
// Usage: bench-grpc --port P --requests FILE [--clients 2] [--duration 20] [--replies FILE]
//   FILE: messages, each a 4-byte little-endian length and the bytes of one weaviate.v1.SearchRequest.
//   --replies: first sends every request once, in order, and writes the replies in the same framing
//              (the Python side decodes them to check recall).
// Prints one JSON object: requests, seconds, qps, p50_ms, p99_ms, clients.
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix

struct Options {
    var port = 0
    var requests = ""
    var clients = 2
    var duration = 20.0
    var replies: String?

    init(_ args: [String]) {
        var i = 1
        func value() -> String {
            i += 1
            guard i < args.count else { fail("missing value for \(args[i - 1])") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--port": port = Int(value()) ?? 0
            case "--requests": requests = value()
            case "--clients": clients = Int(value()) ?? 0
            case "--duration": duration = Double(value()) ?? 0
            case "--replies": replies = value()
            default: fail("unknown argument \(args[i])")
            }
            i += 1
        }
        guard port > 0, !requests.isEmpty, clients > 0, duration > 0 else {
            fail("usage: bench-grpc --port P --requests FILE [--clients 2] [--duration 20] [--replies FILE]")
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bench-grpc: \(message)\n".utf8))
    exit(2)
}

/// Messages pass through as bytes: the bench measures the server, not a protobuf library.
struct RawBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] {
        bytes.withUnsafeBytes { Array($0) }
    }
}

func readFramed(_ path: String) -> [[UInt8]] {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    let bytes = [UInt8](data)
    var out: [[UInt8]] = []
    var at = 0
    while at + 4 <= bytes.count {
        let n = Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        guard at + 4 + n <= bytes.count else { fail("\(path): truncated message") }
        out.append(Array(bytes[(at + 4)..<(at + 4 + n)]))
        at += 4 + n
    }
    guard !out.isEmpty else { fail("\(path): no messages") }
    return out
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

let options = Options(CommandLine.arguments)
let requests = readFramed(options.requests)
let search = MethodDescriptor(fullyQualifiedService: "weaviate.v1.Weaviate", method: "Search")

func call(_ client: Client, _ message: [UInt8]) async throws -> [UInt8] {
    try await client.unary(request: ClientRequest(message: message), descriptor: search, serializer: RawBytes(),
                           deserializer: RawBytes(), options: .defaults) { try $0.message }
}

typealias Client = GRPCClient<HTTP2ClientTransport.Posix>

/// One client per connection, as wrk's HTTP clients have (a client process has one gRPC channel).
func withClients<R: Sendable>(_ n: Int, _ body: @Sendable ([Client]) async throws -> R) async throws -> R {
    let clients = try (0..<n).map { _ in
        Client(transport: try HTTP2ClientTransport.Posix(target: .ipv4(host: "127.0.0.1", port: options.port),
                                                        transportSecurity: .plaintext))
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        for c in clients { group.addTask { try await c.runConnections() } }
        do {
            let result = try await body(clients)
            for c in clients { c.beginGracefulShutdown() }
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

let report = try await withClients(options.clients) { clients in
    if let path = options.replies {
        var framed: [UInt8] = []
        for message in requests {
            let reply = try await call(clients[0], message)
            let n = UInt32(reply.count)
            framed += [UInt8(n & 0xff), UInt8(n >> 8 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 24)] + reply
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(framed)) else { fail("cannot write \(path)") }
    }
    // Each client sends its next request when the previous answer arrived (closed loop, like wrk).
    let start = ContinuousClock.now
    let end = start + .milliseconds(Int(options.duration * 1000))
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for c in 0..<options.clients {
            group.addTask {
                var mine: [Double] = []
                var k = c
                while ContinuousClock.now < end {
                    let t = ContinuousClock.now
                    _ = try await call(clients[c], requests[k % requests.count])
                    mine.append(seconds(ContinuousClock.now - t) * 1e3)
                    k += options.clients
                }
                return mine
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all.sorted()
    }
    let elapsed = seconds(ContinuousClock.now - start)
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    return """
        {"requests": \(latencies.count), "seconds": \(elapsed), "qps": \(Double(latencies.count) / elapsed), \
        "p50_ms": \(percentile(0.50)), "p99_ms": \(percentile(0.99)), "clients": \(options.clients)}
        """
}
print(report)
