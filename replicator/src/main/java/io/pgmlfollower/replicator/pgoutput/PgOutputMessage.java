package io.pgmlfollower.replicator.pgoutput;

/**
 * One pgoutput message, as described in
 * https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html. Each arrives as
 * the payload of one XLogData message of the streaming replication protocol
 * (https://www.postgresql.org/docs/current/protocol-replication.html).
 *
 * <p>Protocol versions 1 and 2 are decoded. Version 2 (PostgreSQL 14+, {@code streaming 'on'}) adds
 * Stream Start/Stop/Commit/Abort and an xid prefix on changes inside a stream block ({@link
 * StreamedMessage}).
 */
public sealed interface PgOutputMessage
    permits BeginMessage,
        CommitMessage,
        OriginMessage,
        RelationMessage,
        TypeMessage,
        InsertMessage,
        UpdateMessage,
        DeleteMessage,
        TruncateMessage,
        LogicalDecodingMessage,
        StreamStartMessage,
        StreamStopMessage,
        StreamCommitMessage,
        StreamAbortMessage,
        StreamedMessage {}
