package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.protocol.BackendMessages;
import io.pgmlfollower.pgwire.protocol.BindMessage;
import io.pgmlfollower.pgwire.protocol.DescribeMessage;
import io.pgmlfollower.pgwire.protocol.ErrorResponses;
import io.pgmlfollower.pgwire.protocol.ExecuteMessage;
import io.pgmlfollower.pgwire.protocol.Frame;
import io.pgmlfollower.pgwire.protocol.MessageBuilder;
import io.pgmlfollower.pgwire.protocol.ParseMessage;
import io.pgmlfollower.pgwire.protocol.QueryMessage;
import io.pgmlfollower.pgwire.protocol.Severity;
import io.pgmlfollower.pgwire.protocol.StatementSplitter;
import io.pgmlfollower.pgwire.session.Step.ClientMessage;
import io.pgmlfollower.pgwire.session.Step.ForwardedQueryStatement;
import io.pgmlfollower.pgwire.session.Step.LocalQueryStatement;
import io.pgmlfollower.pgwire.session.Step.QueryEnd;
import io.pgmlfollower.pgwire.session.Step.QueryStatement;
import io.pgmlfollower.pgwire.spi.LocalStatement;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SessionHandler;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.pgmlfollower.pgwire.types.ParameterDecoder;
import io.pgmlfollower.pgwire.types.RowEncoder;
import io.pgmlfollower.pgwire.upstream.UpstreamConnection;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An authenticated session: routes each client message either to the pinned upstream connection
 * (byte for byte) or to a {@link LocalStatement}, and keeps every reply in the order of the
 * messages.
 *
 * <p>Messages wait in a FIFO ({@link #waiting}) and are routed when their turn comes, so routing
 * sees the statements and portals the earlier messages created. Forwarded messages are pipelined:
 * they go to the upstream at once and are remembered in {@link #inFlight}, each with the kind of
 * reply that ends it, so that upstream replies are relayed as they come and known to belong to the
 * oldest in-flight message. A local message waits until nothing is in flight (its reply must follow
 * theirs, and an earlier error may cancel it); a forwarded message behind a local one waits for
 * that one, since the local one may fail and the extended protocol then skips everything until Sync
 * (CrateDB's ignoreTillSync). Runs on the connection's event loop only.
 */
final class Session {
  private static final Logger LOG = LoggerFactory.getLogger(Session.class);

  /** Queue length at which the client is no longer read from, and at which it is again. */
  private static final int PAUSE_QUEUE_LENGTH = 4096;

  private static final int RESUME_QUEUE_LENGTH = 1024;

  private final Vertx vertx;
  private final ClientTransport client;
  private final OutputBuffer out;
  private final UpstreamConnection upstream;
  private final SessionHandler handler;
  private final Runnable cancelUpstream;
  private final Runnable closeConnection;

  /** Local statements running longer are cancelled (57014); zero never. */
  private final java.time.Duration statementTimeout;

  private final Map<String, LocalPreparedStatement> statements = new HashMap<>();
  private final Map<String, LocalPortal> portals = new HashMap<>();

  /** Forwarded statements and portals the handler rewrote (see {@link RowRewriter}). */
  private final Map<String, RewrittenStatement> rewrittenStatements = new HashMap<>();

  private final Map<String, RewrittenPortal> rewrittenPortals = new HashMap<>();

  /**
   * The Execute of a rewritten portal while it runs: later messages wait for it, so that should its
   * batch fail, nothing after it has reached the upstream (as after a local statement's error).
   */
  private ForwardedOp barrier;

  private final ArrayDeque<Step> waiting = new ArrayDeque<>();
  private final ArrayDeque<ForwardedOp> inFlight = new ArrayDeque<>();

  /** Transaction status of the last ReadyForQuery from the upstream: 'I', 'T' or 'E'. */
  private char transactionStatus;

  /** After an error in the extended protocol: skip messages until Sync. */
  private boolean ignoreTillSync;

  /** Whether an extended-protocol message went upstream since the last Sync. */
  private boolean groupForwarded;

  /** Messages for the upstream, written at the end of {@link #pump()}: one write per round. */
  private Buffer upstreamPending = Buffer.buffer();

  /** Whether a Flush went upstream after the last forwarded message. */
  private boolean upstreamFlushed = true;

  private SessionCancellation runningLocal;

  /**
   * Set while {@link #pump()} runs. A local step that completes synchronously inside the loop calls
   * pump() again; that nested call returns at once and the outer loop carries on, so thousands of
   * queued local steps run iteratively instead of growing the stack.
   */
  private boolean pumping;

  /** Why the client is not read from: too much queued, or the upstream not taking it. */
  private boolean queueTooLong;

  private boolean upstreamBacklogged;
  private boolean clientBacklogged;
  private boolean readingPaused;
  private boolean closed;

  Session(
      Vertx vertx,
      ClientTransport client,
      OutputBuffer out,
      UpstreamConnection upstream,
      SessionHandler handler,
      Runnable cancelUpstream,
      Runnable closeConnection,
      java.time.Duration statementTimeout) {
    this.statementTimeout = requireNonNull(statementTimeout, "statementTimeout is null");
    this.vertx = requireNonNull(vertx, "vertx is null");
    this.client = requireNonNull(client, "client is null");
    this.out = requireNonNull(out, "out is null");
    this.upstream = requireNonNull(upstream, "upstream is null");
    this.handler = requireNonNull(handler, "handler is null");
    this.cancelUpstream = requireNonNull(cancelUpstream, "cancelUpstream is null");
    this.closeConnection = requireNonNull(closeConnection, "closeConnection is null");
    this.transactionStatus = upstream.transactionStatus();
  }

  /** Starts relaying the upstream's messages. */
  void start() {
    upstream.socket().handler(this::onUpstreamBytes);
    upstream.socket().exceptionHandler(this::onUpstreamFailure);
    upstream
        .socket()
        .closeHandler(
            ignored ->
                onUpstreamFailure(
                    new PgWireException(
                        SqlState.CONNECTION_FAILURE,
                        "the upstream PostgreSQL closed the session's connection")));
    upstream.socket().resume();
    onUpstreamBytes(Buffer.buffer());
  }

  // ---- client side --------------------------------------------------------------------------

  /**
   * Queues a client message.
   *
   * @throws PgWireException 08P01 for an unknown type or a malformed message: the connection must
   *     be closed
   */
  void onClientFrame(Frame frame) throws PgWireException {
    if (closed) {
      return;
    }
    char type = frame.typeChar();
    Object decoded =
        switch (type) {
          case 'P' -> ParseMessage.decode(frame.payload());
          case 'B' -> BindMessage.decode(frame.payload());
          case 'D', 'C' -> DescribeMessage.decode(frame.payload());
          case 'E' -> ExecuteMessage.decode(frame.payload());
          case 'Q' -> QueryMessage.decode(frame.payload());
          case 'S', 'H', 'F', 'd', 'c', 'f' -> null;
          case 'X' -> {
            closeConnection.run();
            yield null;
          }
          default ->
              throw new PgWireException(
                  SqlState.PROTOCOL_VIOLATION, "invalid frontend message type " + (int) type);
        };
    if (type == 'X') {
      return;
    }
    waiting.add(new ClientMessage(frame, decoded));
    if (waiting.size() >= PAUSE_QUEUE_LENGTH) {
      queueTooLong = true;
    }
    pump();
  }

  /** Cancels what runs now: the local statement, and whatever the upstream is working on. */
  void cancel() {
    if (closed) {
      return;
    }
    if (runningLocal != null) {
      runningLocal.cancel();
    }
    if (!inFlight.isEmpty()) {
      cancelUpstream.run();
    }
  }

  /** Releases the upstream connection and the handler; the connection closes the client side. */
  void shutdown() {
    if (closed) {
      return;
    }
    closed = true;
    if (runningLocal != null) {
      runningLocal.cancel();
    }
    upstream.socket().closeHandler(null);
    upstream.socket().handler(null);
    // Terminate, so the upstream ends the backend at once instead of on a broken pipe.
    upstream.socket().write(Buffer.buffer(5).appendByte((byte) 'X').appendInt(4));
    upstream.socket().close();
    try {
      handler.close();
    } catch (RuntimeException e) {
      LOG.warn("Session handler failed to close", e);
    }
  }

  // ---- the queue ----------------------------------------------------------------------------

  /** Starts every queued step that may start now, in order. */
  private void pump() {
    if (pumping) {
      return;
    }
    pumping = true;
    try {
      pumpSteps();
    } finally {
      pumping = false;
    }
  }

  private void pumpSteps() {
    while (!closed && runningLocal == null) {
      Step step = waiting.peek();
      if (step == null) {
        break;
      }
      if (!advance(step)) {
        // A local step waits for forwarded ones, whose replies the upstream holds back until a
        // Sync or Flush: without this Flush the session would wait forever.
        flushUpstream();
        break;
      }
    }
    writeUpstreamPending();
    if (queueTooLong && waiting.size() <= RESUME_QUEUE_LENGTH) {
      queueTooLong = false;
    }
    updateReading();
  }

  /** Starts {@code step} and removes it from the queue, or returns false if it must wait. */
  private boolean advance(Step step) {
    return switch (step) {
      case ClientMessage message -> advance(message);
      case LocalQueryStatement local -> runQueryStatement(local);
      case ForwardedQueryStatement forwarded -> forwardQueryStatement(forwarded);
      case QueryEnd end -> endQuery(end);
    };
  }

  private boolean advance(ClientMessage message) {
    char type = message.type();
    if (barrier != null) {
      if (inFlight.contains(barrier)) {
        return false;
      }
      barrier = null;
    }
    if (ignoreTillSync && type != 'S') {
      waiting.poll();
      return true;
    }
    return switch (type) {
      case 'P' -> parse(message);
      case 'B' -> bind(message);
      case 'D' -> describe(message);
      case 'E' -> execute(message);
      case 'C' -> close(message);
      case 'S' -> sync(message);
      case 'H' -> flush();
      case 'Q' -> query(message);
      case 'F' -> forward(Reply.FUNCTION_CALL);
      default -> forwardUntracked();
    };
  }

  /**
   * Whether the session waits for its client: nothing queued, nothing running locally, nothing in
   * flight upstream (what an idle-session timeout measures).
   */
  boolean waitingForClient() {
    return waiting.isEmpty() && runningLocal == null && inFlight.isEmpty();
  }

  /** Whether nothing is in flight upstream: a local step may run. */
  private boolean idle() {
    return inFlight.isEmpty();
  }

  // ---- extended protocol --------------------------------------------------------------------

  private boolean parse(ClientMessage message) {
    ParseMessage parse = (ParseMessage) message.decoded;
    if (!message.routed) {
      message.routed = true;
      try {
        message.local = handler.prepare(parse.sql(), parse.parameterTypeOids());
        if (message.local == null) {
          message.rewrite = rewrite(parse.sql());
        }
      } catch (Throwable e) {
        message.prepareFailure = e;
      }
    }
    boolean duplicate = !parse.name().isEmpty() && statements.containsKey(parse.name());
    if (message.local == null && message.prepareFailure == null && !duplicate) {
      statements.remove(parse.name());
      forgetDeallocated(parse.sql());
      if (message.rewrite == null) {
        rewrittenStatements.remove(parse.name());
        return forward(Reply.PARSE);
      }
      rewrittenStatements.put(parse.name(), new RewrittenStatement(message.rewrite));
      waiting.poll();
      writeUpstream(
          MessageBuilder.begin(Buffer.buffer(), 'P')
              .cstring(parse.name())
              .cstring(message.rewrite.sql())
              .int16(parse.parameterTypeOids().length)
              .bytes(oids(parse.parameterTypeOids()))
              .end());
      inFlight.add(new ForwardedOp(Reply.PARSE, null));
      groupForwarded = true;
      return true;
    }
    if (!idle()) {
      return false;
    }
    waiting.poll();
    if (message.prepareFailure != null) {
      extendedError(message.prepareFailure);
    } else if (duplicate) {
      extendedError(
          new PgWireException(
              SqlState.DUPLICATE_PREPARED_STATEMENT,
              "prepared statement \"" + parse.name() + "\" already exists"));
    } else if (transactionStatus == 'E') {
      extendedError(abortedTransaction());
    } else {
      statements.put(
          parse.name(),
          new LocalPreparedStatement(parse.name(), message.local, parse.parameterTypeOids()));
      BackendMessages.parseComplete(out.buffer());
    }
    return true;
  }

  private boolean bind(ClientMessage message) {
    BindMessage bind = (BindMessage) message.decoded;
    LocalPreparedStatement statement = statements.get(bind.statement());
    if (statement == null) {
      portals.remove(bind.portal());
      RewrittenStatement rewritten = rewrittenStatements.get(bind.statement());
      if (rewritten == null) {
        rewrittenPortals.remove(bind.portal());
      } else {
        rewrittenPortals.put(bind.portal(), new RewrittenPortal(rewritten, bind.resultFormats()));
      }
      return forward(Reply.BIND);
    }
    if (!idle()) {
      return false;
    }
    waiting.poll();
    if (transactionStatus == 'E') {
      extendedError(abortedTransaction());
      return true;
    }
    try {
      List<Object> parameters =
          ParameterDecoder.decode(
              bind.statement(),
              statement.statement().parameterTypes(),
              statement.declaredOids(),
              bind.parameterFormats(),
              bind.values());
      RowEncoder encoder = RowEncoder.create(statement.statement().columns(), bind.resultFormats());
      portals.put(
          bind.portal(),
          new LocalPortal(bind.portal(), statement.statement(), parameters, encoder));
      BackendMessages.bindComplete(out.buffer());
    } catch (Throwable e) {
      extendedError(e);
    }
    return true;
  }

  private boolean describe(ClientMessage message) {
    DescribeMessage describe = (DescribeMessage) message.decoded;
    if (describe.isStatement()) {
      LocalPreparedStatement statement = statements.get(describe.name());
      if (statement == null) {
        RewrittenStatement rewritten = rewrittenStatements.get(describe.name());
        return rewritten == null
            ? forward(Reply.DESCRIBE)
            : forward(Reply.DESCRIBE, new RowRewriter(rewritten, new short[0], true));
      }
      if (!idle()) {
        return false;
      }
      waiting.poll();
      BackendMessages.parameterDescription(out.buffer(), statement.statement().parameterTypes());
      describeRows(RowEncoder.text(statement.statement().columns()));
      return true;
    }
    LocalPortal portal = portals.get(describe.name());
    if (portal == null) {
      RewrittenPortal rewritten = rewrittenPortals.get(describe.name());
      return rewritten == null
          ? forward(Reply.DESCRIBE)
          : forward(
              Reply.DESCRIBE,
              new RowRewriter(rewritten.statement(), rewritten.resultFormats(), true));
    }
    if (!idle()) {
      return false;
    }
    waiting.poll();
    describeRows(portal.encoder());
    return true;
  }

  private void describeRows(RowEncoder encoder) {
    if (encoder.hasColumns()) {
      encoder.appendRowDescription(out.buffer());
    } else {
      BackendMessages.noData(out.buffer());
    }
  }

  private boolean execute(ClientMessage message) {
    ExecuteMessage execute = (ExecuteMessage) message.decoded;
    LocalPortal portal = portals.get(execute.portal());
    if (portal == null) {
      RewrittenPortal rewritten = rewrittenPortals.get(execute.portal());
      return rewritten == null ? forward(Reply.EXECUTE) : executeRewritten(execute, rewritten);
    }
    if (!idle()) {
      return false;
    }
    waiting.poll();
    if (transactionStatus == 'E') {
      extendedError(abortedTransaction());
      return true;
    }
    run(new LocalRun(portal, execute.maxRows(), null));
    return true;
  }

  /**
   * An Execute of a rewritten portal: the rest of a sorted result held here, or the upstream's
   * result finished by a {@link RowRewriter} (a sorted one fetched whole, the client's row limit
   * applied here); later messages wait for it (see {@link #barrier}).
   */
  private boolean executeRewritten(ExecuteMessage execute, RewrittenPortal rewritten) {
    if (rewritten.pending() != null) {
      // The rest of a sorted result, held here since an Execute with a row limit.
      if (!idle()) {
        return false;
      }
      waiting.poll();
      if (transactionStatus == 'E') {
        extendedError(abortedTransaction());
        return true;
      }
      RowRewriter.sendRows(out.buffer(), rewritten.pending(), execute.maxRows(), rewritten);
      return true;
    }
    if (rewritten.statement().positions() == null) {
      // Where the rewritten columns are is known from a RowDescription only: ask for one,
      // which the client does not see.
      writeUpstream(
          MessageBuilder.begin(Buffer.buffer(), 'D').int8('P').cstring(execute.portal()).end());
      inFlight.add(
          new ForwardedOp(
              Reply.DESCRIBE,
              null,
              new RowRewriter(rewritten.statement(), rewritten.resultFormats(), false)));
    }
    RowRewriter rewriter =
        new RowRewriter(
            rewritten.statement(), rewritten.resultFormats(), true, rewritten, execute.maxRows());
    if (rewriter.sorts()) {
      // Sorted here: the upstream sends every row, the client's row limit applies here.
      waiting.poll();
      writeUpstream(
          MessageBuilder.begin(Buffer.buffer(), 'E').cstring(execute.portal()).int32(0).end());
      inFlight.add(new ForwardedOp(Reply.EXECUTE, null, rewriter));
      groupForwarded = true;
    } else {
      forward(Reply.EXECUTE, rewriter);
    }
    barrier = inFlight.peekLast();
    return true;
  }

  private boolean close(ClientMessage message) {
    DescribeMessage close = (DescribeMessage) message.decoded;
    Map<String, ?> names = close.isStatement() ? statements : portals;
    if (!names.containsKey(close.name())) {
      (close.isStatement() ? rewrittenStatements : rewrittenPortals).remove(close.name());
      return forward(Reply.CLOSE);
    }
    if (!idle()) {
      return false;
    }
    waiting.poll();
    names.remove(close.name());
    BackendMessages.closeComplete(out.buffer());
    return true;
  }

  private boolean sync(ClientMessage message) {
    if (groupForwarded) {
      groupForwarded = false;
      ignoreTillSync = false;
      return forward(Reply.SYNC);
    }
    if (!idle()) {
      return false;
    }
    waiting.poll();
    ignoreTillSync = false;
    readyForQuery();
    return true;
  }

  /** Flush: make the upstream send what it holds, and send what the server holds. */
  private boolean flush() {
    waiting.poll();
    if (!inFlight.isEmpty() || groupForwarded) {
      flushUpstream();
    }
    out.flush();
    return true;
  }

  /** Drops local statements that a forwarded DEALLOCATE or DISCARD ALL drops upstream. */
  private void forgetDeallocated(String sql) {
    Deallocation deallocation = Deallocation.of(sql);
    if (deallocation == null) {
      return;
    }
    if (deallocation.all()) {
      statements.keySet().removeIf(name -> !name.isEmpty());
      rewrittenStatements.keySet().removeIf(name -> !name.isEmpty());
    } else {
      statements.remove(deallocation.name());
      rewrittenStatements.remove(deallocation.name());
    }
    if (deallocation.portalsToo()) {
      portals.clear();
      rewrittenPortals.clear();
    }
  }

  private void extendedError(Throwable failure) {
    ErrorResponses.append(out.buffer(), Severity.ERROR, failure);
    ignoreTillSync = true;
    abortUpstreamTransaction();
  }

  /**
   * A local statement failed inside a transaction block: on PostgreSQL the whole block is now
   * aborted (25P02 until ROLLBACK, and COMMIT rolls back). The upstream holds the block, so it is
   * made to fail too, by a statement whose replies are swallowed; forwarded work done earlier in
   * the block can then never be committed.
   */
  private void abortUpstreamTransaction() {
    if (transactionStatus != 'T') {
      return;
    }
    transactionStatus = 'E';
    writeUpstream(
        MessageBuilder.begin(Buffer.buffer(), 'Q')
            .cstring(
                "DO $pgml$ BEGIN RAISE EXCEPTION 'transaction aborted by an error in a statement"
                    + " the follower ran'; END $pgml$")
            .end());
    inFlight.add(new ForwardedOp(Reply.ABORT_TRANSACTION, null));
    writeUpstreamPending();
  }

  private void readyForQuery() {
    if (transactionStatus == 'I') {
      // The implicit transaction ended: PostgreSQL drops every portal with it.
      portals.clear();
      rewrittenPortals.clear();
    }
    BackendMessages.readyForQuery(out.buffer(), transactionStatus);
    out.flush();
  }

  private static PgWireException abortedTransaction() {
    return new PgWireException(
        SqlState.IN_FAILED_SQL_TRANSACTION,
        "current transaction is aborted, commands ignored until end of transaction block");
  }

  /** The handler's rewrite of a forwarded statement; a failing handler rewrites nothing. */
  private io.pgmlfollower.pgwire.spi.ResultRewrite rewrite(String sql) {
    try {
      return handler.rewrite(sql);
    } catch (RuntimeException e) {
      LOG.warn("Session handler failed to rewrite a statement; forwarded as sent", e);
      return null;
    }
  }

  private static Buffer oids(int[] oids) {
    Buffer buffer = Buffer.buffer(oids.length * 4);
    for (int oid : oids) {
      buffer.appendInt(oid);
    }
    return buffer;
  }

  // ---- simple query -------------------------------------------------------------------------

  private boolean query(ClientMessage message) {
    QueryMessage query = (QueryMessage) message.decoded;
    if (!message.routed) {
      message.routed = true;
      message.statements = new ArrayList<>();
      for (String sql : StatementSplitter.split(query.sql())) {
        LocalStatement local = null;
        Throwable failure = null;
        io.pgmlfollower.pgwire.spi.ResultRewrite rewrite = null;
        try {
          local = handler.prepare(sql, new int[0]);
          if (local == null) {
            rewrite = rewrite(sql);
          }
        } catch (Throwable e) {
          failure = e;
        }
        message.statements.add(new QueryStatement(sql, local, failure, rewrite));
        if (local == null && failure == null) {
          forgetDeallocated(sql);
        }
      }
    }
    if (message.statements.size() > 1) {
      // Rewritten only alone: split into one Query per statement, the statements of this Query
      // would lose their one implicit transaction.
      message.statements.replaceAll(
          s -> new QueryStatement(s.sql(), s.local(), s.prepareFailure(), null));
    }
    boolean anyLocal =
        message.statements.stream()
            .anyMatch(s -> s.local() != null || s.prepareFailure() != null || s.rewrite() != null);
    if (!anyLocal) {
      // The fast path: the upstream gets the Query exactly as sent.
      return forward(Reply.QUERY);
    }
    waiting.poll();
    SimpleQuery simpleQuery = new SimpleQuery();
    List<Step> steps = new ArrayList<>();
    for (QueryStatement statement : message.statements) {
      if (statement.local() == null && statement.prepareFailure() == null) {
        steps.add(new ForwardedQueryStatement(statement.sql(), simpleQuery, statement.rewrite()));
      } else {
        steps.add(new LocalQueryStatement(statement, simpleQuery));
      }
    }
    steps.add(new QueryEnd(simpleQuery));
    for (int i = steps.size() - 1; i >= 0; i--) {
      waiting.addFirst(steps.get(i));
    }
    return true;
  }

  private boolean runQueryStatement(LocalQueryStatement step) {
    if (!idle()) {
      return false;
    }
    waiting.poll();
    SimpleQuery query = step.query();
    if (query.failed()) {
      return true;
    }
    QueryStatement statement = step.statement();
    if (statement.prepareFailure() != null) {
      queryError(query, statement.prepareFailure());
      return true;
    }
    if (transactionStatus == 'E') {
      queryError(query, abortedTransaction());
      return true;
    }
    LocalStatement local = statement.local();
    if (!local.parameterTypes().isEmpty()) {
      queryError(
          query,
          new PgWireException(
              SqlState.PROTOCOL_VIOLATION,
              "statement takes " + local.parameterTypes().size() + " parameters",
              null,
              "A simple query cannot pass parameters: prepare the statement, or inline the values.",
              0,
              null));
      return true;
    }
    RowEncoder encoder = RowEncoder.text(local.columns());
    LocalPortal portal = new LocalPortal("", local, List.of(), encoder);
    run(new LocalRun(portal, 0, query));
    return true;
  }

  private boolean forwardQueryStatement(ForwardedQueryStatement step) {
    // Not pipelined: if an earlier statement fails, this one must not run at all.
    if (!idle()) {
      return false;
    }
    waiting.poll();
    if (step.query().failed()) {
      return true;
    }
    if (step.rewrite() == null) {
      writeUpstream(QueryMessage.encode(step.sql()));
      inFlight.add(new ForwardedOp(Reply.QUERY_PART, step.query()));
    } else {
      writeUpstream(QueryMessage.encode(step.rewrite().sql()));
      inFlight.add(
          new ForwardedOp(
              Reply.QUERY_PART,
              step.query(),
              new RowRewriter(new RewrittenStatement(step.rewrite()), new short[0], true)));
    }
    return true;
  }

  private boolean endQuery(QueryEnd end) {
    if (!idle()) {
      return false;
    }
    waiting.poll();
    readyForQuery();
    return true;
  }

  private void queryError(SimpleQuery query, Throwable failure) {
    ErrorResponses.append(out.buffer(), Severity.ERROR, failure);
    query.fail();
    abortUpstreamTransaction();
  }

  // ---- forwarding ---------------------------------------------------------------------------

  /** Sends the message at the head of the queue upstream as it came, expecting {@code reply}. */
  private boolean forward(Reply reply) {
    return forward(reply, null);
  }

  /** As {@link #forward(Reply)}, with the rewriter that finishes the reply's rows (or null). */
  private boolean forward(Reply reply, RowRewriter rewriter) {
    ClientMessage message = (ClientMessage) waiting.poll();
    writeUpstream(message.frame.raw());
    inFlight.add(new ForwardedOp(reply, null, rewriter));
    if (reply.isExtended()) {
      groupForwarded = true;
    }
    return true;
  }

  /** COPY data from the client: no reply of its own. */
  private boolean forwardUntracked() {
    ClientMessage message = (ClientMessage) waiting.poll();
    writeUpstream(message.frame.raw());
    return true;
  }

  private void flushUpstream() {
    if (!upstreamFlushed) {
      upstreamFlushed = true;
      upstreamPending.appendByte((byte) 'H').appendInt(4);
    }
  }

  private void writeUpstream(Buffer bytes) {
    upstreamFlushed = false;
    upstreamPending.appendBuffer(bytes);
    if (upstreamPending.length() >= OutputBuffer.FLUSH_THRESHOLD) {
      writeUpstreamPending();
    }
  }

  private void writeUpstreamPending() {
    if (upstreamPending.length() == 0 || closed) {
      return;
    }
    upstream.socket().write(upstreamPending);
    upstreamPending = Buffer.buffer();
    if (upstream.socket().writeQueueFull() && !upstreamBacklogged) {
      upstreamBacklogged = true;
      updateReading();
      upstream
          .socket()
          .drainHandler(
              ignored -> {
                upstream.socket().drainHandler(null);
                upstreamBacklogged = false;
                updateReading();
              });
    }
  }

  private void updateReading() {
    boolean pause = (queueTooLong || upstreamBacklogged || clientBacklogged) && !closed;
    if (pause != readingPaused) {
      readingPaused = pause;
      if (pause) {
        client.pauseReading();
      } else {
        client.resumeReading();
      }
    }
  }

  // ---- upstream side ------------------------------------------------------------------------

  private void onUpstreamBytes(Buffer bytes) {
    guarded(() -> relayUpstream(bytes));
  }

  /**
   * Runs work that Vert.x, not the client connection, calls into (upstream bytes, worker results,
   * drain events): a bug there must end this session with XX000, not leave it hanging.
   */
  private void guarded(Runnable work) {
    if (closed) {
      return;
    }
    try {
      work.run();
    } catch (RuntimeException e) {
      ErrorResponses.append(out.buffer(), Severity.FATAL, e);
      out.flush();
      closeConnection.run();
    }
  }

  private void relayUpstream(Buffer bytes) {
    upstream.decoder().feed(bytes);
    try {
      Frame frame;
      while (!closed && (frame = upstream.decoder().next()) != null) {
        onUpstreamFrame(frame);
      }
    } catch (PgWireException e) {
      onUpstreamFailure(e);
      return;
    }
    // Rows held for a batch go out when the upstream pauses: results stream.
    ForwardedOp head = inFlight.peek();
    if (!closed && head != null && head.rewriter() != null && head.rewriter().hasRows()) {
      flushRewritten(head);
    }
    out.flush();
    watchClientBacklog();
    pump();
  }

  /**
   * A frame of a rewritten statement's reply: its RowDescription renamed and retyped, its rows held
   * and computed in batches, the rest relayed after the held rows. Returns whether the frame is
   * dealt with; false lets the usual relay handle it (after the held rows went out).
   */
  private boolean rewritten(ForwardedOp op, Frame frame) {
    RowRewriter rewriter = op.rewriter();
    char type = frame.typeChar();
    if (!rewriter.failed()) {
      try {
        switch (type) {
          case 'T' -> {
            rewriter.rowDescription(frame.payload(), out.buffer());
            if (op.reply().endsWith(type)) {
              inFlight.poll();
            }
            return true;
          }
          case 'C' -> {
            flushRewritten(op);
            if (rewriter.sorts() && !rewriter.failed()) {
              rewriter.finish(out.buffer());
              if (op.reply().endsWith(type)) {
                inFlight.poll();
              }
              return true;
            }
          }
          case 'n' -> {
            // NoData: nothing to rewrite; a Describe the server sent on its own is not the
            // client's to see.
            if (rewriter.relaysDescription()) {
              return false;
            }
            inFlight.poll();
            return true;
          }
          case 'D' -> {
            if (rewriter.row(frame.payload())) {
              flushRewritten(op);
            }
            return true;
          }
          default -> flushRewritten(op);
        }
      } catch (PgWireException e) {
        rewriteFailed(op, e);
      }
      if (!rewriter.failed()) {
        return false;
      }
    }
    // The batch failed and the client has its error: the rest of this reply is dropped.
    if (type == 'E') {
      if (!op.reply().endsWithReadyForQuery()) {
        inFlight.poll();
        skipUntilSync();
      }
    } else if (op.reply().endsWith(type)) {
      inFlight.poll();
    }
    return true;
  }

  private void flushRewritten(ForwardedOp op) {
    try {
      op.rewriter().flush(out.buffer());
    } catch (PgWireException | RuntimeException e) {
      rewriteFailed(op, e);
    }
  }

  /**
   * A rewritten statement's batch failed: the client gets the error as if the upstream had raised
   * it, the rest of the statement's reply is dropped, and the statement fails as a local one does
   * (later statements of a simple Query skipped, the extended protocol skipping until Sync, an open
   * transaction block aborted).
   */
  private void rewriteFailed(ForwardedOp op, Throwable failure) {
    op.rewriter().fail();
    ErrorResponses.append(out.buffer(), Severity.ERROR, failure);
    if (op.query() != null) {
      op.query().fail();
    } else {
      ignoreTillSync = true;
    }
    abortUpstreamTransaction();
  }

  /**
   * When the client reads slower than it is answered, stop reading both the upstream (whose replies
   * would pile up here) and the client (whose next statements would), until it catches up.
   */
  private void watchClientBacklog() {
    if (clientBacklogged || closed || !client.writeQueueFull()) {
      return;
    }
    clientBacklogged = true;
    upstream.socket().pause();
    updateReading();
    client.onDrain(
        () -> {
          clientBacklogged = false;
          if (!closed) {
            upstream.socket().resume();
            updateReading();
          }
        });
  }

  private void onUpstreamFrame(Frame frame) {
    char type = frame.typeChar();
    ForwardedOp op = inFlight.peek();
    if ((type == 'N' || type == 'S' || type == 'A')
        && op != null
        && op.rewriter() != null
        && op.rewriter().hasRows()) {
      flushRewritten(op); // the rows held came first
    }
    if (type == 'N' || type == 'S' || type == 'A' || op == null) {
      // Asynchronous messages, and anything the upstream sends on its own (a FATAL error before
      // it ends the connection), go to the client as they come.
      out.append(frame.raw());
      return;
    }
    if (op.rewriter() != null && type != 'Z' && rewritten(op, frame)) {
      return;
    }
    if (op.reply() == Reply.ABORT_TRANSACTION) {
      // Our own statement: the client saw the local error already; only the status matters.
      if (type == 'Z') {
        inFlight.poll();
        transactionStatus = (char) frame.payload().getByte(0);
      }
      return;
    }
    switch (type) {
      case 'Z' -> {
        inFlight.poll();
        transactionStatus = (char) frame.payload().getByte(0);
        if (op.reply() != Reply.QUERY_PART) {
          if (transactionStatus == 'I') {
            // Not rewrittenPortals: Binds after this Sync may already be on their way (a Bind of
            // a forwarded portal does not wait), and each Bind replaces its portal's entry.
            portals.clear();
          }
          out.append(frame.raw());
        }
      }
      case 'E' -> {
        out.append(frame.raw());
        if (op.reply().endsWithReadyForQuery()) {
          if (op.query() != null) {
            op.query().fail();
          }
        } else {
          inFlight.poll();
          skipUntilSync();
        }
      }
      default -> {
        out.append(frame.raw());
        if (op.reply().endsWith(type)) {
          inFlight.poll();
        }
      }
    }
    out.flushIfLarge();
  }

  /**
   * After an upstream error in the extended protocol the upstream ignores everything until Sync:
   * messages already sent get no reply, and those not yet sent need not be.
   */
  private void skipUntilSync() {
    while (!inFlight.isEmpty()) {
      if (inFlight.peek().reply() == Reply.SYNC) {
        return;
      }
      inFlight.poll();
    }
    ignoreTillSync = true;
  }

  private void onUpstreamFailure(Throwable failure) {
    if (closed) {
      return;
    }
    LOG.warn("Upstream connection of a session failed: {}", failure.getMessage());
    ErrorResponses.append(
        out.buffer(),
        Severity.FATAL,
        failure instanceof PgWireException
            ? failure
            : new PgWireException(
                SqlState.CONNECTION_FAILURE,
                "lost the connection to the upstream PostgreSQL: " + failure.getMessage()));
    out.flush();
    closeConnection.run();
  }

  // ---- local execution ----------------------------------------------------------------------

  /** One Execute (or simple-query statement) of a local portal, possibly over many pulls. */
  private final class LocalRun {
    final LocalPortal portal;
    final int maxRows;
    final SimpleQuery query;
    final SessionCancellation cancellation = new SessionCancellation();
    int rowsSent;

    /** The statement-timeout timer, or -1. */
    long timer = -1;

    LocalRun(LocalPortal portal, int maxRows, SimpleQuery query) {
      this.portal = portal;
      this.maxRows = maxRows;
      this.query = query;
    }

    int nextPullSize() {
      return maxRows > 0
          ? Math.min(LocalPortal.ROWS_PER_PULL, maxRows - rowsSent)
          : LocalPortal.ROWS_PER_PULL;
    }
  }

  private enum Next {
    MORE,
    DONE
  }

  private void run(LocalRun run) {
    runningLocal = run.cancellation;
    if (statementTimeout.toMillis() > 0) {
      run.timer =
          vertx.setTimer(
              statementTimeout.toMillis(),
              id -> guarded(run.cancellation::timeOut)); // seen at the run's next check
    }
    if (run.query != null && run.portal.encoder().hasColumns()) {
      run.portal.encoder().appendRowDescription(out.buffer());
    }
    continueRun(run);
  }

  /**
   * Pulls the next rows: inline for fast statements, looping while the socket keeps up; on a worker
   * thread for blocking ones (training), so the event loop stays free.
   */
  private void continueRun(LocalRun run) {
    if (run.portal.statement().blocking(run.portal.parameters())) {
      int pullSize = run.nextPullSize();
      vertx
          .executeBlocking(() -> run.portal.pull(pullSize, run.cancellation), false)
          .onComplete(
              result ->
                  guarded(
                      () ->
                          schedule(
                              run,
                              result.succeeded()
                                  ? onRows(run, result.result())
                                  : onFailure(run, result.cause()))));
      return;
    }
    while (true) {
      Next next;
      try {
        next = onRows(run, run.portal.pull(run.nextPullSize(), run.cancellation));
      } catch (Throwable e) {
        next = onFailure(run, e);
      }
      if (next == Next.DONE || client.writeQueueFull() || closed) {
        schedule(run, next);
        return;
      }
    }
  }

  private void schedule(LocalRun run, Next next) {
    if (closed) {
      return;
    }
    if (next == Next.DONE) {
      runningLocal = null;
      if (run.timer >= 0) {
        vertx.cancelTimer(run.timer);
      }
      pump();
    } else if (client.writeQueueFull()) {
      out.flush();
      client.onDrain(() -> guarded(() -> continueRun(run)));
    } else {
      continueRun(run);
    }
  }

  private Next onRows(LocalRun run, LocalPortal.RowBatch batch) {
    out.append(batch.dataRows());
    run.rowsSent += batch.rows();
    if (batch.exhausted()) {
      BackendMessages.commandComplete(out.buffer(), run.portal.commandTag(run.rowsSent));
      return Next.DONE;
    }
    if (run.maxRows > 0 && run.rowsSent >= run.maxRows) {
      BackendMessages.portalSuspended(out.buffer());
      return Next.DONE;
    }
    out.flushIfLarge();
    return Next.MORE;
  }

  private Next onFailure(LocalRun run, Throwable failure) {
    portals.remove(run.portal.name(), run.portal);
    if (run.query != null) {
      queryError(run.query, failure);
    } else {
      extendedError(failure);
    }
    return Next.DONE;
  }
}
