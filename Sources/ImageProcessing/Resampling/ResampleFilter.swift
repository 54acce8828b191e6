import Foundation

/// PIL's resampling filters, numbered as in `PIL.Image.Resampling` and in preprocessor_config.json's
/// "resample" key (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming).
public enum ResampleFilter: Int, Sendable, CaseIterable {
    case nearest = 0
    case lanczos = 1
    case bilinear = 2
    case bicubic = 3
    case box = 4
    case hamming = 5

    /// Half-width of the kernel at scale 1 (PIL's `support`).
    var support: Double {
        switch self {
        case .nearest, .box: return 0.5
        case .bilinear, .hamming: return 1
        case .bicubic: return 2
        case .lanczos: return 3
        }
    }

    /// The kernel, with PIL's exact floating-point expression order (the fixed-point weights derived from it
    /// must round identically).
    func weight(_ x: Double) -> Double {
        switch self {
        case .nearest, .box:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let ax = x < 0 ? -x : x
            return ax < 1 ? 1 - ax : 0
        case .hamming:
            var ax = x < 0 ? -x : x
            if ax == 0 { return 1 }
            if ax >= 1 { return 0 }
            ax = ax * Double.pi
            return sin(ax) / ax * (0.54 + 0.46 * cos(ax))
        case .bicubic:
            let a = -0.5
            let ax = x < 0 ? -x : x
            if ax < 1 { return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1 }
            if ax < 2 { return (((ax - 5) * ax + 8) * ax - 4) * a }
            return 0
        case .lanczos:
            if -3 <= x && x < 3 { return Self.sinc(x) * Self.sinc(x / 3) }
            return 0
        }
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let px = x * Double.pi
        return sin(px) / px
    }
}
