/**
 * The SQL front: decides which statements the follower answers itself (calls of {@code pgml.*}
 * functions) and runs them; every other statement goes to the offline PostgreSQL untouched.
 *
 * <p>Only statements whose text names {@code pgml} are parsed (JSqlParser, cached by text); the
 * rest pay one case-insensitive substring scan.
 */
package io.pgmlfollower.serving.sql;
