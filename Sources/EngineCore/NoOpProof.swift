import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A record that a whole run (or `status`) of this pipeline found every stage
/// up to date, and of every fact on disk that finding rested on. While the
/// facts still hold, the next `repro all` or `repro status` can say "all N up
/// to date" without parsing pipeline.yaml, reading the lock or keying a stage
/// (at 10 000 stages that work is ~1.5 s; checking the facts is a few stats
/// per stage).
///
/// What the finding rested on, and how each is pinned:
/// - this binary and every library it loaded (GSL and libc versions are key
///   fields): their device, inode, size and times, in the key;
/// - pipeline.yaml's bytes: their SHA-256, in the key; the project root, the
///   pipeline file's and the lock's names, `--max-stages` and every
///   `REPRO_*` variable (the remote's settings), in the key;
/// - the lock, every dep and output of every stage, and the source files the
///   stale-binary check reads: (device, inode, size, mtime, ctime), as the
///   stat cache already trusts them; each directory on their way: its
///   identity (device, inode, a real directory: no symbolic link on the way,
///   so no path can newly lead outside the project);
/// - what the decision did not read from files: no process ran while it was
///   made (a shell stage's `fingerprint:` commands would; then no proof is
///   written), no remote and the local executor.
///
/// Every file fact must have last changed more than 2 s before the
/// decision's project was loaded (`Project.loadStarted`): a file changed
/// while it was being made, or within the timestamp granularity of it, makes
/// its ctime too young, and no proof is written. So the facts are read once,
/// after the decision, and still describe what it read.
public enum NoOpProof {
    static let header = "repro up-to-date proof 1"

    /// `.repro/uptodate.<lock name>`: one per pipeline file.
    static func url(root: URL, lockName: String) -> URL {
        root.appendingPathComponent(".repro").appendingPathComponent("uptodate.\(lockName)")
    }

    /// Who found every stage up to date: a run also certified that it used
    /// no remote and the local executor, so only its proof stands for a run;
    /// `status` decides the same but knows nothing of remotes and executors.
    public enum Writer: String, Sendable { case run, status }

    /// The number of stages, all up to date, if the proof for this pipeline
    /// file holds and was written by one of `writers`; nil (do the work) if
    /// there is none or anything changed.
    public static func holds(root: URL, pipelineFile: String, maxStages: Int, writers: Set<Writer>) -> Int? {
        let root = root.standardizedFileURL
        let lockName = LockFile.name(forPipeline: pipelineFile)
        guard LockFile.nameProblem(forPipeline: pipelineFile, root: root) == nil,
              let data = readWhole(url(root: root, lockName: lockName).path),
              let proof = Parsed(data),
              let key = key(root: root, pipelineFile: pipelineFile, lockName: lockName, maxStages: maxStages),
              proof.key == key, writers.contains(proof.writer)
        else { return nil }
        for f in proof.facts where !f.holds(root: root.path) { return nil }
        return proof.stages
    }

    /// Writes the proof for `project` (every stage of which was just found up
    /// to date, with no process run and no remote), if every fact is old
    /// enough; removes any older proof otherwise. `extra`: project paths the
    /// caller's decision also depended on existing (the cost file, the cache).
    public static func write(_ project: Project, by writer: Writer, existing extra: [String]) {
        let target = url(root: project.root, lockName: project.lockName)
        unlink(target.path)
        guard let key = key(root: project.root, pipelineFile: project.pipelineFile, lockName: project.lockName, maxStages: project.maxStages),
              let facts = facts(project, existing: extra)
        else { return }
        var text = "\(header)\nkey \(key)\nstages \(project.pipeline.stages.count)\nby \(writer.rawValue)\n"
        for f in facts { text += f.line + "\n" }
        text += "end \(FileHasher.hash(data: Array(text.utf8)))\n"  // what a damaged or altered proof fails
        try? AtomicFile.write(Data(text.utf8), to: target, durable: false)
    }

    /// Removes the proof (a run that changes anything calls this first).
    public static func remove(_ project: Project) {
        unlink(url(root: project.root, lockName: project.lockName).path)
    }

    /// Page faults of every child process this one has waited for: it grows
    /// whenever a process ran (exec alone faults pages in), so an unchanged
    /// count means the decision ran no command.
    public static func childProcessFaults() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        return usage.ru_minflt + usage.ru_majflt
    }

    // MARK: the key

    static func key(root: URL, pipelineFile: String, lockName: String, maxStages: Int) -> String? {
        guard let pipeline = readWhole(root.appendingPathComponent(pipelineFile).path),
              let binary = binaryIdentity() else { return nil }
        var text = "\(header)\n\(binary)root \(root.path)\npipeline \(pipelineFile) \(FileHasher.hash(data: pipeline))\n"
        text += "lock \(lockName)\nmax-stages \(maxStages)\n"
        for (name, value) in ProcessInfo.processInfo.environment.filter({ $0.key.hasPrefix("REPRO_") })
            .sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            text += "env \(name.utf8.count) \(name)=\(value.utf8.count) \(value)\n"
        }
        return FileHasher.hash(data: Array(text.utf8))
    }

    /// The executable and every file mapped into this process (the shared
    /// libraries): a rebuilt binary or an upgraded GSL or libc changes it.
    static func binaryIdentity() -> String? {
        guard let maps = readWhole("/proc/self/maps") else { return nil }
        var paths = Set<String>()
        for line in String(decoding: maps, as: UTF8.self).split(separator: "\n") {
            // address perms offset dev inode path: the path starts at the first "/" after the inode.
            guard let slash = line.firstIndex(of: "/") else { continue }
            paths.insert(String(line[slash...]))
        }
        var text = ""
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return nil }
        text += "exe \(st.st_dev) \(st.st_ino) \(st.st_size) \(Stat.ns(st.st_mtim)) \(Stat.ns(st.st_ctim))\n"
        for p in paths.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard stat(p, &st) == 0 else { return nil }  // "(deleted)": replaced while running
            text += "mapped \(st.st_dev) \(st.st_ino) \(st.st_size) \(Stat.ns(st.st_mtim)) \(Stat.ns(st.st_ctim)) \(p)\n"
        }
        return text
    }

    /// A file read to its end (a /proc file too: its size is 0 to stat, and FileManager stops early).
    static func readWhole(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
        }
    }

    // MARK: the facts

    /// What one path was: a regular file (its stat), a directory on the way
    /// (its identity), a listed directory (identity and times: its entries
    /// matter), or absent.
    struct Fact: Equatable {
        enum Kind: Character { case file = "f", directory = "d", listed = "l", absent = "a", exists = "e" }
        var kind: Kind
        var stat: Stat
        var path: String

        var line: String { "\(kind.rawValue) \(stat.dev) \(stat.ino) \(stat.size) \(stat.mtime) \(stat.ctime) \(path)" }

        func holds(root: String) -> Bool {
            let full = path.hasPrefix("/") ? path : root + "/" + path
            guard let now = Stat.of(full) else { return kind == .absent && errno == ENOENT }
            switch kind {
            case .absent: return false
            case .file: return now.type == .regular && now == stat
            case .listed: return now.type == .directory && now == stat
            case .directory: return now.type == .directory && now.dev == stat.dev && now.ino == stat.ino
            case .exists: return now.type != .other && now.dev == stat.dev && now.ino == stat.ino
            }
        }
    }

    /// An lstat, as the proof records it.
    struct Stat: Equatable {
        enum FileType { case regular, directory, other }
        var type: FileType = .other
        var dev: UInt64 = 0, ino: UInt64 = 0, size: Int64 = 0, mtime: Int64 = 0, ctime: Int64 = 0

        static func ns(_ t: timespec) -> Int64 { Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec) }

        static func of(_ path: String) -> Stat? {
            var st = Glibc.stat()
            guard lstat(path, &st) == 0 else { return nil }
            let t = st.st_mode & S_IFMT
            return Stat(type: t == S_IFREG ? .regular : t == S_IFDIR ? .directory : .other, dev: UInt64(st.st_dev), ino: UInt64(st.st_ino),
                        size: Int64(st.st_size), mtime: ns(st.st_mtim), ctime: ns(st.st_ctim))
        }
    }

    /// Every fact the decision rested on, or nil if one cannot be pinned (a
    /// symbolic link on the way, a file changed too recently, a missing dep).
    static func facts(_ project: Project, existing extra: [String]) -> [Fact]? {
        let root = project.root.path
        let cutoff = project.loadStarted - 2_000_000_000
        var facts: [Fact] = []
        var seenDirs = Set<String>()
        enum Way { case real, absent, unpinnable }
        // The directories on a path's way: real directories (same identity), or, if `absentEnds`, absent from some
        // point on (then so is everything below it).
        func way(to path: String, absentEnds: Bool) -> Way {
            var prefix = ""
            for part in path.split(separator: "/").dropLast() {
                prefix += (prefix.isEmpty ? "" : "/") + part
                guard seenDirs.insert(prefix).inserted else { continue }
                guard let st = Stat.of(root + "/" + prefix) else {
                    guard absentEnds, errno == ENOENT else { return .unpinnable }
                    facts.append(Fact(kind: .absent, stat: Stat(), path: prefix))
                    return .absent
                }
                guard st.type == .directory else { return .unpinnable }
                facts.append(Fact(kind: .directory, stat: st, path: prefix))
            }
            return .real
        }
        func file(_ path: String) -> Bool {
            guard way(to: path, absentEnds: false) == .real, let st = Stat.of(root + "/" + path), st.type == .regular, max(st.mtime, st.ctime) < cutoff else { return false }
            facts.append(Fact(kind: .file, stat: st, path: path))
            return true
        }
        guard let rootStat = Stat.of(root), rootStat.type == .directory else { return nil }
        facts.append(Fact(kind: .directory, stat: rootStat, path: root))
        var paths = Set<String>([project.pipelineFile, project.lockName])
        for s in project.pipeline.stages { paths.formUnion(s.spec.deps); paths.formUnion(s.spec.outs) }
        guard !paths.contains(where: { $0.contains("\n") }) else { return nil }  // one fact per line
        for p in paths.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where !file(p) { return nil }
        for p in extra {
            guard let st = Stat.of(p.hasPrefix("/") ? p : root + "/" + p), st.type != .other else { return nil }
            facts.append(Fact(kind: .exists, stat: st, path: p))
        }
        // The sources the stale-binary check reads (absent in a project that is not this package's checkout).
        let codeDirs = Set(project.pipeline.stages.flatMap { project.code.scope(of: $0.kind.codeTarget) ?? [] })
        for dir in codeDirs.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            switch way(to: dir, absentEnds: true) {
            case .unpinnable: return nil
            case .absent: continue
            case .real: guard listTree(dir, root: root, cutoff: cutoff, into: &facts) else { return nil }
            }
        }
        return facts
    }

    /// A source directory and everything in it; absent is a fact too.
    static func listTree(_ dir: String, root: String, cutoff: Int64, into facts: inout [Fact]) -> Bool {
        guard let st = Stat.of(root + "/" + dir) else {
            guard errno == ENOENT else { return false }
            facts.append(Fact(kind: .absent, stat: Stat(), path: dir))
            return true
        }
        switch st.type {
        case .regular:
            guard max(st.mtime, st.ctime) < cutoff else { return false }
            facts.append(Fact(kind: .file, stat: st, path: dir))
            return true
        case .directory:
            guard max(st.mtime, st.ctime) < cutoff,
                  let names = try? FileManager.default.contentsOfDirectory(atPath: root + "/" + dir) else { return false }
            facts.append(Fact(kind: .listed, stat: st, path: dir))
            for n in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where !listTree(dir + "/" + n, root: root, cutoff: cutoff, into: &facts) {
                return false
            }
            return true
        case .other:
            return false
        }
    }

    // MARK: the file

    struct Parsed {
        var key: String
        var stages: Int
        var writer: Writer
        var facts: [Fact]

        /// Nil for anything but a whole proof of this format. Parsed over
        /// bytes: splitting a String costs ~10x more (grapheme breaking).
        init?(_ data: [UInt8]) {
            var key = "", stages = -1, writer: Writer? = nil, ended = false
            var facts: [Fact] = []
            let ok = data.withUnsafeBufferPointer { b -> Bool in
                var i = 0
                func line() -> ArraySlice<UInt8>? {
                    guard i < b.count, let end = b[i...].firstIndex(of: 0x0a) else { return nil }
                    defer { i = end + 1 }
                    return data[i..<end]
                }
                func text(_ s: ArraySlice<UInt8>) -> String { String(decoding: s, as: UTF8.self) }
                guard let h = line(), text(h) == NoOpProof.header,
                      let k = line(), k.starts(with: Array("key ".utf8)),
                      let n = line(), n.starts(with: Array("stages ".utf8)), let count = Int(text(n.dropFirst(7))), count >= 0,
                      let w = line(), w.starts(with: Array("by ".utf8)), let by = Writer(rawValue: text(w.dropFirst(3)))
                else { return false }
                key = text(k.dropFirst(4)); stages = count; writer = by
                while let l = line() {
                    if l.starts(with: Array("end ".utf8)) {
                        ended = i == b.count && text(l.dropFirst(4)) == FileHasher.hash(data: data[..<l.startIndex])
                        break
                    }
                    // kind dev ino size mtime ctime path (the path is the rest of the line: it may hold spaces)
                    var j = l.startIndex
                    guard l.count > 2, let kind = Fact.Kind(rawValue: Character(UnicodeScalar(l[j]))), l[j + 1] == 0x20 else { return false }
                    j += 2
                    func number() -> Int64? {
                        var v: Int64 = 0, digits = 0
                        while j < l.endIndex, l[j] >= 0x30, l[j] <= 0x39, digits < 19 { v = v * 10 + Int64(l[j] - 0x30); j += 1; digits += 1 }
                        guard digits > 0, j < l.endIndex, l[j] == 0x20 else { return nil }
                        j += 1
                        return v
                    }
                    guard let dev = number(), let ino = number(), let size = number(), let mtime = number(), let ctime = number(),
                          j < l.endIndex else { return false }
                    let type: Stat.FileType = kind == .file ? .regular : kind == .absent || kind == .exists ? .other : .directory
                    facts.append(Fact(kind: kind, stat: Stat(type: type, dev: UInt64(dev), ino: UInt64(ino), size: size, mtime: mtime, ctime: ctime),
                                      path: text(l[j...])))
                }
                return true
            }
            guard ok, ended, let writer else { return nil }
            self.key = key
            self.stages = stages
            self.writer = writer
            self.facts = facts
        }
    }
}
