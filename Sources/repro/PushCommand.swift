import ArgumentParser
import EngineCore
import StageAPI
import Foundation

struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload the outputs repro.lock records (and their run records) to the remote cache.",
        discussion: """
            Objects the remote already has are not sent again; a stage's run record is written \
            after its objects, so the remote never names an object it lacks. \
            Exit 0 when every selected stage was pushed, 1 otherwise.
            """)

    @OptionGroup var transfer: TransferOptions

    func run() throws { try transfer.run(.push) }
}
