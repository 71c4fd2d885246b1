import Foundation
import StageAPI
import ProcessSpawn

/// How an unsandboxed command (`sandbox: none`, `--no-sandbox`) is kept from
/// outliving its stage. Its process group is killed when it exits
/// (`Subprocess`), which takes what it put in the background (`sleep &`).
/// A process that left the group (`setsid`) is caught by a pid namespace of
/// its own (util-linux `unshare --pid --fork --kill-child`), where the
/// kernel can make one (as root, or with CAP_SYS_ADMIN): when the command's
/// supervisor, the namespace's first process, exits or is killed, every
/// process in it dies.
package enum UnsandboxedSession {
    /// The `unshare` prefix, or nil where a pid namespace cannot be made here.
    package static let pidNamespace: [String]? = {
        guard let unshare = ["/usr/bin/unshare", "/bin/unshare"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { return nil }
        let prefix = [unshare, "--pid", "--fork", "--kill-child", "--"]
        let null = URL(fileURLWithPath: "/dev/null")
        let status = try? Subprocess.run(prefix + ["/bin/true"], cwd: URL(fileURLWithPath: "/"), env: [:], stdout: null, stderr: null,
                                         processes: ChildProcesses())
        return status == 0 ? prefix : nil
    }()
}
