/**
 * Text and binary forms of the types local statements take and return (one codec per type, as
 * PostgreSQL's typinput/typoutput/typreceive/typsend), and the conversion of Bind parameters into
 * the Java values {@link io.pgmlfollower.pgwire.spi.LocalStatement#execute} receives.
 */
package io.pgmlfollower.pgwire.types;
