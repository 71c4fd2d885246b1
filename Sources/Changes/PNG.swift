import CZlib
import Foundation

/// An 8-bit RGBA image: enough PNG to read what rsvg-convert writes and to
/// write the difference image (deterministic bytes: filter 0, zlib level 9).
public struct RGBAImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]  // RGBA, row-major

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width; self.height = height; self.pixels = pixels
    }

    struct DecodeError: Error, CustomStringConvertible { var description: String }

    /// Decodes a non-interlaced 8-bit PNG of colour type 2 (RGB) or 6 (RGBA).
    public static func decodePNG(_ data: Data) throws -> RGBAImage {
        let b = [UInt8](data)
        guard b.count > 8, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw DecodeError(description: "not a PNG") }
        var i = 8
        var w = 0, h = 0, colorType = 0
        var idat: [UInt8] = []
        func be32(_ k: Int) -> Int { Int(b[k]) << 24 | Int(b[k + 1]) << 16 | Int(b[k + 2]) << 8 | Int(b[k + 3]) }
        while i + 8 <= b.count {
            let len = be32(i)
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            guard i + 12 + len <= b.count else { throw DecodeError(description: "truncated PNG") }
            let body = i + 8
            switch type {
            case "IHDR":
                w = be32(body); h = be32(body + 4)
                guard b[body + 8] == 8, b[body + 12] == 0 else { throw DecodeError(description: "PNG: only 8-bit non-interlaced images") }
                colorType = Int(b[body + 9])
                guard colorType == 2 || colorType == 6 else { throw DecodeError(description: "PNG: colour type \(colorType) not supported") }
            case "IDAT": idat += b[body..<(body + len)]
            case "IEND": i = b.count
            default: break
            }
            i += 12 + len
        }
        let channels = colorType == 6 ? 4 : 3
        let stride = w * channels
        var raw = [UInt8](repeating: 0, count: (stride + 1) * h)
        var rawLen = uLongf(raw.count)
        let rc = raw.withUnsafeMutableBufferPointer { r in
            idat.withUnsafeBufferPointer { s in uncompress(r.baseAddress, &rawLen, s.baseAddress, uLong(s.count)) }
        }
        guard rc == Z_OK, Int(rawLen) == raw.count else { throw DecodeError(description: "PNG: bad image data") }
        var out = [UInt8](repeating: 0, count: w * h * 4)
        var prev = [UInt8](repeating: 0, count: stride)
        var cur = [UInt8](repeating: 0, count: stride)
        for y in 0..<h {
            let f = raw[y * (stride + 1)]
            let row = y * (stride + 1) + 1
            for x in 0..<stride {
                let a = x >= channels ? Int(cur[x - channels]) : 0
                let up = Int(prev[x])
                let c = x >= channels ? Int(prev[x - channels]) : 0
                let v = Int(raw[row + x])
                let pred: Int
                switch f {
                case 0: pred = 0
                case 1: pred = a
                case 2: pred = up
                case 3: pred = (a + up) / 2
                case 4:
                    let p = a + up - c, pa = abs(p - a), pb = abs(p - up), pc = abs(p - c)
                    pred = pa <= pb && pa <= pc ? a : pb <= pc ? up : c
                default: throw DecodeError(description: "PNG: bad filter \(f)")
                }
                cur[x] = UInt8((v + pred) & 0xFF)
            }
            for x in 0..<w {
                for k in 0..<3 { out[(y * w + x) * 4 + k] = cur[x * channels + k] }
                out[(y * w + x) * 4 + 3] = channels == 4 ? cur[x * 4 + 3] : 255
            }
            swap(&prev, &cur)
        }
        return RGBAImage(width: w, height: h, pixels: out)
    }

    public func encodePNG() -> Data {
        var raw = [UInt8]()
        raw.reserveCapacity((width * 4 + 1) * height)
        for y in 0..<height {
            raw.append(0)
            raw += pixels[(y * width * 4)..<((y + 1) * width * 4)]
        }
        var zLen = compressBound(uLong(raw.count))
        var z = [UInt8](repeating: 0, count: Int(zLen))
        _ = z.withUnsafeMutableBufferPointer { d in raw.withUnsafeBufferPointer { s in compress2(d.baseAddress, &zLen, s.baseAddress, uLong(s.count), 9) } }
        z.removeLast(z.count - Int(zLen))
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func u32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ body: [UInt8]) {
            let tb = Array(type.utf8) + body
            png += u32(body.count) + tb
            let crc = tb.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            png += u32(Int(crc))
        }
        chunk("IHDR", u32(width) + u32(height) + [8, 6, 0, 0, 0])
        chunk("IDAT", z)
        chunk("IEND", [])
        return Data(png)
    }

    /// Pixels that differ between two images of the same size, and an image
    /// showing them: the new image faded, changed pixels in red.
    public static func difference(_ a: RGBAImage, _ b: RGBAImage) -> (changed: Int, image: RGBAImage) {
        var out = [UInt8](repeating: 255, count: b.pixels.count)
        var changed = 0
        for p in 0..<(b.width * b.height) {
            let o = p * 4
            let same = a.pixels[o] == b.pixels[o] && a.pixels[o + 1] == b.pixels[o + 1] && a.pixels[o + 2] == b.pixels[o + 2] && a.pixels[o + 3] == b.pixels[o + 3]
            if same {
                // Faded grey of the new image over white.
                let alpha = Int(b.pixels[o + 3])
                let lum = (Int(b.pixels[o]) * 3 + Int(b.pixels[o + 1]) * 6 + Int(b.pixels[o + 2])) / 10
                let onWhite = (lum * alpha + 255 * (255 - alpha)) / 255
                let v = UInt8(255 - (255 - onWhite) / 4)
                out[o] = v; out[o + 1] = v; out[o + 2] = v
            } else {
                changed += 1
                out[o] = 220; out[o + 1] = 0; out[o + 2] = 0
            }
        }
        return (changed, RGBAImage(width: b.width, height: b.height, pixels: out))
    }
}
