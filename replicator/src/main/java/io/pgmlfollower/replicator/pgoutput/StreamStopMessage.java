package io.pgmlfollower.replicator.pgoutput;

/** Stream Stop ('E', protocol version 2+): ends the current stream block. */
public record StreamStopMessage() implements PgOutputMessage {}
