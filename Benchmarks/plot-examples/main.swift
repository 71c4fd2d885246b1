// plot-examples: writes the Plot gallery (one SVG per example) into a directory.
//
//     swift run plot-examples OUTDIR
//     for f in OUTDIR/*.svg; do rsvg-convert -z 2 -o "${f%.svg}.png" "$f"; done
import Foundation
import Plot

let args = CommandLine.arguments
guard args.count == 2 else {
    FileHandle.standardError.write("usage: plot-examples OUTDIR\n".data(using: .utf8)!)
    exit(64)
}
let dir = URL(fileURLWithPath: args[1], isDirectory: true)
do {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for (name, make) in Examples.all {
        let svg = try make().svg()
        let url = dir.appendingPathComponent(name + ".svg")
        try Data(svg.utf8).write(to: url)
        print("\(name).svg\t\(svg.utf8.count) bytes")
    }
} catch {
    FileHandle.standardError.write("plot-examples: \(error)\n".data(using: .utf8)!)
    exit(1)
}
