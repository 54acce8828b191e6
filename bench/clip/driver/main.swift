// bench-clip: the Iris side of the CLIP benchmark (see bench/clip/run.sh).
//
//   bench-clip prepare MODEL_DIR CAPTIONS.txt IMAGES_DIR OUT_DIR
//       token ids of the captions (ids.json) and 16 preprocessed pixel tensors (pixels.f32) for both sides
//   bench-clip run MODEL_DIR OUT_DIR [--threads N] [--mode auto|blasThreads|splitBatch] [--precision fp32|int8]
//       loads the model, times images (batch 1 and 16) and the caption mix, writes iris.json and vectors
//   bench-clip gemm [REPEATS]
//       one thread: OpenBLAS sgemm and the packed fp32 kernel (tk_f32_gemm) against the int8 kernel
//       (tk_q8_gemm, with its row quantisation) on
//       ViT-B/32's projection shapes, rows for 1 and 16 images; prints GFLOP/s and the ratio
//   bench-clip stream [THREADS] [REPEATS]
//       whether one image is bound by memory: read bandwidth, and the vision tower's products at batch 1
//       with each layer's own weights against one layer's weights reused (cached)
import CLIPEngine
import COpenBLAS
import CTensorKernels
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
    exit(2)
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux).
func peakRSSMiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

func currentRSSMiB() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let parts = s.split(separator: " ")
    return Double(parts[1])! * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

func writeFloats(_ rows: [[Float]], to url: URL) throws {
    var data = Data()
    for r in rows { r.withUnsafeBytes { data.append(contentsOf: $0) } }
    try data.write(to: url)
}

func readFloats(_ url: URL) throws -> [Float] {
    let data = try Data(contentsOf: url)
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

/// CPU seconds (user + system, all threads) this process has used.
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6
}

/// Best (minimum) wall seconds per call over `repeats` calls after one warm-up, and the mean CPU
/// seconds per call (less sensitive than wall time to other load on a shared machine).
func time(repeats: Int, _ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    try body()
    var best = Double.infinity
    let c0 = cpuSeconds()
    for _ in 0..<repeats {
        let t = now()
        try body()
        best = min(best, now() - t)
    }
    return (best, (cpuSeconds() - c0) / Double(repeats))
}

let args = CommandLine.arguments
guard args.count >= 2 else { fail("usage: bench-clip prepare|run ...") }

switch args[1] {
case "prepare":
    guard args.count == 6 else { fail("usage: bench-clip prepare MODEL_DIR CAPTIONS.txt IMAGES_DIR OUT_DIR") }
    let model = URL(fileURLWithPath: args[2]), out = URL(fileURLWithPath: args[5])
    let embedder = try CLIPEmbedder(clipModel: model)
    let captions = try String(contentsOfFile: args[3], encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    let ids = captions.map { embedder.tokenIDs($0).map(Int.init) }
    try JSONSerialization.data(withJSONObject: ["captions": captions, "ids": ids]).write(to: out.appendingPathComponent("ids.json"))
    let imageDir = URL(fileURLWithPath: args[4])
    let files = try FileManager.default.contentsOfDirectory(atPath: imageDir.path)
        .filter { ["png", "jpg", "gif", "webp", "bmp"].contains(($0 as NSString).pathExtension) }.sorted()
    var pixels: [[Float]] = []
    for i in 0..<16 { pixels.append(try embedder.pixels(try Data(contentsOf: imageDir.appendingPathComponent(files[i % files.count])))) }
    try writeFloats(pixels, to: out.appendingPathComponent("pixels.f32"))
    let lengths = ids.map(\.count)
    print("prepared \(captions.count) captions (\(lengths.min()!)–\(lengths.max()!) tokens, \(lengths.reduce(0, +)) total) and 16 images")

case "run":
    guard args.count >= 4 else { fail("usage: bench-clip run MODEL_DIR OUT_DIR [--threads N] [--mode M] [--precision P] [--kernels 0-2] [--int8-kernel 0-4]") }
    let modelURL = URL(fileURLWithPath: args[2]), out = URL(fileURLWithPath: args[3])
    var threads: Int?
    var mode = ComputeSettings.Mode.auto
    var precision = Precision.fp32
    var i = 4
    while i + 1 < args.count {
        switch args[i] {
        case "--threads": threads = Int(args[i + 1])
        case "--mode": mode = ComputeSettings.Mode(rawValue: args[i + 1]) ?? { fail("bad mode \(args[i + 1])") }()
        case "--precision": precision = Precision(rawValue: args[i + 1]) ?? { fail("bad precision \(args[i + 1])") }()
        // A narrower kernel than the CPU's best, to compare kernels in one run (the JSON names the one used).
        case "--kernels": _ = tk_set_isa(tk_isa_t(UInt32(args[i + 1]) ?? { fail("--kernels takes 0-2") }()))
        case "--int8-kernel": _ = tk_q8_set_isa(tk_q8_isa_t(UInt32(args[i + 1]) ?? { fail("--int8-kernel takes 0-4") }()))
        default: fail("unknown option \(args[i])")
        }
        i += 2
    }
    let settings = ComputeSettings(threads: threads, mode: mode)
    let rssBefore = currentRSSMiB()
    let t0 = now()
    let model = try EmbeddingModel(folder: modelURL, precision: precision)
    let loadSeconds = now() - t0
    let rssLoaded = currentRSSMiB()
    let idsJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("ids.json"))) as! [String: Any]
    let ids = (idsJSON["ids"] as! [[NSNumber]]).map { $0.map { $0.int32Value } }
    let flat = try readFloats(out.appendingPathComponent("pixels.f32"))
    let n = 3 * 224 * 224
    let pixels = (0..<16).map { Array(flat[($0 * n)..<(($0 + 1) * n)]) }

    var imageVectors: [[Float]] = []
    let img1 = try time(repeats: 8) { _ = try model.embed(pixels: [pixels[0]], settings: settings) }
    let img16 = try time(repeats: 3) { imageVectors = try model.embed(pixels: pixels, settings: settings) }
    var textVectors: [[Float]] = []
    let texts = try time(repeats: 3) { textVectors = try model.embed(tokenIDs: ids, settings: settings) }
    // What a search feels: one short text (<= 12 tokens, as typed into a search box) per call, median of 3 rounds.
    let short = ids.filter { $0.count <= 12 }
    var oneText: [Double] = []
    _ = try model.embed(tokenIDs: [short[0]], settings: settings)
    for _ in 0..<3 {
        for t in short {
            let t0 = now()
            _ = try model.embed(tokenIDs: [t], settings: settings)
            oneText.append(now() - t0)
        }
    }
    oneText.sort()
    // int8 results go beside the fp32 ones (iris-int8.*), so report.py can set them side by side.
    let tag = precision == .fp32 ? "iris" : "iris-\(precision.rawValue)"
    try writeFloats(imageVectors, to: out.appendingPathComponent("\(tag).image.f32"))
    try writeFloats(textVectors, to: out.appendingPathComponent("\(tag).text.f32"))
    let weightsMiB = Double(try FileManager.default.attributesOfItem(atPath: modelURL.appendingPathComponent("0_CLIPModel/model.safetensors").path)[.size] as! Int) / 1_048_576
    let result: [String: Any] = [
        "threads": settings.threads, "mode": settings.mode.rawValue, "kernels": tensorKernelISA, "int8_kernel": int8KernelISA, "precision": precision.rawValue,
        "load_seconds": loadSeconds,
        "images_per_s_batch1": 1 / img1.wall, "images_per_s_batch16": 16 / img16.wall,
        "texts_per_s_mix": Double(ids.count) / texts.wall,
        "one_short_text_ms_p50": oneText[oneText.count / 2] * 1000, "one_image_ms_best": img1.wall * 1000,
        "cpu_s_per_image_batch1": img1.cpu, "cpu_s_per_image_batch16": img16.cpu / 16, "cpu_s_per_text_mix": texts.cpu / Double(ids.count),
        "rss_before_mib": rssBefore, "rss_loaded_mib": rssLoaded, "peak_rss_mib": peakRSSMiB(), "weights_mib": weightsMiB,
    ]
    let suffix = mode == .auto ? "" : "-\(mode.rawValue)"
    try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .prettyPrinted]).write(to: out.appendingPathComponent("\(tag)\(suffix).json"))
    print(String(data: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), encoding: .utf8)!)

case "profile":
    // bench-clip profile MODEL_DIR OUT_DIR images|texts REPEATS [THREADS] [MODE] (env BATCH, PRECISION): one workload for perf.
    guard args.count >= 6 else { fail("usage: bench-clip profile MODEL_DIR OUT_DIR images|texts REPEATS [THREADS] [MODE]") }
    let precision = Precision(rawValue: ProcessInfo.processInfo.environment["PRECISION"] ?? "fp32") ?? { fail("bad PRECISION") }()
    let model = try EmbeddingModel(folder: URL(fileURLWithPath: args[2]), precision: precision)
    let out = URL(fileURLWithPath: args[3])
    let settings = ComputeSettings(threads: args.count > 6 ? Int(args[6]) : nil,
                                   mode: args.count > 7 ? ComputeSettings.Mode(rawValue: args[7]) ?? .auto : .auto)
    let repeats = Int(args[5]) ?? 1
    if args[4] == "images" {
        let flat = try readFloats(out.appendingPathComponent("pixels.f32"))
        let n = 3 * 224 * 224
        let batch = Int(ProcessInfo.processInfo.environment["BATCH"] ?? "16") ?? 16
        let pixels = (0..<batch).map { Array(flat[(($0 % 16) * n)..<((($0 % 16) + 1) * n)]) }
        let t = now()
        for _ in 0..<repeats { _ = try model.embed(pixels: pixels, settings: settings) }
        print("images/s", Double(batch * repeats) / (now() - t))
    } else {
        let idsJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("ids.json"))) as! [String: Any]
        let ids = (idsJSON["ids"] as! [[NSNumber]]).map { $0.map { $0.int32Value } }
        let t = now()
        for _ in 0..<repeats { _ = try model.embed(tokenIDs: ids, settings: settings) }
        print("texts/s", Double(ids.count * repeats) / (now() - t))
    }

case "gemm":
    let repeats = args.count > 2 ? Int(args[2]) ?? 5 : 5
    openblas_set_num_threads(1)
    print("isa \(tk_q8_isa().rawValue) (0 scalar, 1 AVX2, 2 AVX-VNNI, 3 AVX-512 VNNI, 4 AMX); one thread; best of \(repeats)")
    print("    m     k     n   fp32 GFLOP/s  packed fp32  int8 GFLOP/s  int8/fp32")
    for (k, n) in [(768, 2304), (768, 768), (768, 3072), (3072, 768)] {
        for m in [50, 800] {
            let x = (0..<(m * k)).map { Float(($0 * 7919) % 1000) / 500 - 1 }
            let w = (0..<(k * n)).map { Float(($0 * 104_729) % 1000) / 5000 - 0.1 }
            var y = [Float](repeating: 0, count: m * n)
            let kp = tk_q8_padded_k(k)
            var packed = [Int8](repeating: 0, count: tk_q8_packed_bytes(k, n))
            var wscale = [Float](repeating: 0, count: n), colsum = [Int32](repeating: 0, count: n)
            tk_q8_pack_weights(w, k, n, n, &packed, &wscale, &colsum)
            var a = [UInt8](repeating: 0, count: m * kp), ascale = [Float](repeating: 0, count: m), aoffset = ascale
            var ocount = [Int32](repeating: 0, count: m), oindex = [Int32](repeating: 0, count: m * Int(TK_Q8_MAX_OUTLIERS))
            var oresidual = [Float](repeating: 0, count: m * Int(TK_Q8_MAX_OUTLIERS))
            let fp32 = time(repeats: repeats) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, x, Int32(k), w, Int32(n), 0, &y, Int32(n))
            }.wall
            var packedF32 = [Float](repeating: 0, count: tk_f32_packed_count(k, n))
            tk_f32_pack_weights(w, k, n, &packedF32)
            let ownFP32 = time(repeats: repeats) {
                tk_f32_gemm(x, k, m, packedF32, k, n, 0, n, nil, &y, n)
            }.wall
            let int8 = time(repeats: repeats) {
                tk_q8_quantize_rows(x, m, k, k, &a, kp, &ascale, &aoffset, &ocount, &oindex, &oresidual)
                tk_q8_gemm(a, kp, ascale, aoffset, ocount, oindex, oresidual, m, packed, wscale, colsum, k, n, nil, &y, n)
            }.wall
            let flops = 2.0 * Double(m * k * n) / 1e9
            print(String(format: "%5d %5d %5d %14.1f %12.1f %13.1f %10.2f", m, k, n, flops / fp32, flops / ownFP32, flops / int8, fp32 / int8))
        }
    }

case "stream":
    // Batch 1 reads every weight once per image. Is that bound by memory, not by arithmetic?
    let threads = max(1, args.count > 2 ? Int(args[2]) ?? 2 : 2)
    let repeats = max(1, args.count > 3 ? Int(args[3]) ?? 5 : 5)
    openblas_set_num_threads(1)
    /// `body(lo, hi)` on `threads` threads, each given its share of `0 ..< count` in whole `unit`s.
    func split(_ count: Int, unit: Int, _ body: @Sendable (Int, Int) -> Void) {
        let units = (count + unit - 1) / unit
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let lo = units * t / threads * unit, hi = min(count, units * (t + 1) / threads * unit)
            if lo < hi { body(lo, hi) }
        }
    }
    let floats = 1 << 28  // 1 GiB, far past any cache
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: floats)
    buffer.initialize(repeating: 1, count: floats)
    let base = UInt(bitPattern: buffer)
    let read = time(repeats: repeats) {
        split(floats, unit: 1 << 16) { lo, hi in
            _ = cblas_sasum(Int32(hi - lo), UnsafePointer<Float>(bitPattern: base)! + lo, 1)
        }
    }.wall
    buffer.deallocate()
    let gbps = Double(floats * 4) / read / 1e9
    print("\(threads) threads; best of \(repeats); fp32 kernel \(tensorKernelISA)")
    print(String(format: "read bandwidth (cblas_sasum over 1 GiB): %.1f GB/s", gbps))
    // ViT-B/32's 48 vision products for one image (50 rows), as the engine runs them: packed weights,
    // columns split between the threads. Each layer's own weights (read from memory or the last-level
    // cache), then layer 0's twelve times over (from cache where it fits).
    let shapes = [(768, 2304), (768, 768), (768, 3072), (3072, 768)]
    let rows = 50
    let layers = (0..<12).map { l in shapes.map { k, n in
        let w = (0..<(k * n)).map { Float((($0 + l * 31) * 104_729) % 1000) / 5000 - 0.1 }
        var packed = [Float](repeating: 0, count: tk_f32_packed_count(k, n))
        tk_f32_pack_weights(w, k, n, &packed)
        return packed
    } }
    let x = (0..<(rows * 3072)).map { Float(($0 * 7919) % 1000) / 500 - 1 }
    let y = UnsafeMutablePointer<Float>.allocate(capacity: rows * 3072)
    let yBase = UInt(bitPattern: y)
    func tower(_ layer: (Int) -> Int) {
        for l in 0..<12 {
            for (s, (k, n)) in shapes.enumerated() {
                layers[layer(l)][s].withUnsafeBufferPointer { w in
                    let wBase = UInt(bitPattern: w.baseAddress!)
                    split(n, unit: 16) { lo, hi in
                        tk_f32_gemm(x, k, rows, UnsafePointer<Float>(bitPattern: wBase)!, k, n, lo, hi - lo, nil,
                                    UnsafeMutablePointer<Float>(bitPattern: yBase)!, n)
                    }
                }
            }
        }
    }
    let weightBytes = Double(layers.joined().reduce(0) { $0 + $1.count } * 4)
    let flops = 12 * shapes.reduce(0.0) { $0 + 2 * Double(rows * $1.0 * $1.1) }
    let streamed = time(repeats: repeats) { tower { $0 } }.wall
    let cached = time(repeats: repeats) { tower { _ in 0 } }.wall
    y.deallocate()
    print(String(format: "vision products, one image (%.2f GFLOP, %.0f MB of weights):", flops / 1e9, weightBytes / 1e6))
    print(String(format: "  each layer's weights: %6.1f ms  %6.1f GFLOP/s  %5.1f GB/s of weights",
                 streamed * 1000, flops / streamed / 1e9, weightBytes / streamed / 1e9))
    print(String(format: "  layer 0's, 12 times:  %6.1f ms  %6.1f GFLOP/s", cached * 1000, flops / cached / 1e9))
    print(String(format: "  weights at the read bandwidth alone: %.1f ms", weightBytes / (gbps * 1e9) * 1000))

default:
    fail("unknown command \(args[1])")
}
