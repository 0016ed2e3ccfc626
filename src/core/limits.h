/*
 * limits.h - every hard limit of vouch, each with the reason it exists.
 *
 * Inputs are untrusted: a declared size or count is checked against these
 * before anything is allocated from it, and buffers start at
 * min(declared, cap) and grow (Redis's argv_len rule).
 */
#ifndef VO_CORE_LIMITS_H
#define VO_CORE_LIMITS_H

/* Rows handed from a reader to the pipeline at once: big enough to amortize
 * per-batch work, small enough to stay in L2 cache per column. */
#define VO_BATCH_ROWS 4096

/* CSV: one record (header included) may not exceed this; real rows are ~120 B. */
#define VO_CSV_RECORD_MAX (1u << 20)
/* CSV: columns in the header; the real file has 6. */
#define VO_CSV_COLUMNS_MAX 1024

/* Parquet: the footer (FileMetaData) is read whole; real ones are a few KiB. */
#define VO_PARQUET_FOOTER_MAX (64u << 20)
/* Parquet: one page header, Thrift-encoded; statistics make them ~100 B. */
#define VO_PARQUET_PAGE_HEADER_MAX (16u << 20)
/* Parquet: one page, compressed or not; writers default to 1 MiB pages and
 * dictionary pages rarely pass a few MiB. */
#define VO_PARQUET_PAGE_MAX (256u << 20)
/* Parquet: schema elements and row groups in a footer. */
#define VO_PARQUET_SCHEMA_MAX 100000
#define VO_PARQUET_ROW_GROUPS_MAX 1000000
/* Parquet: Thrift nesting depth; the format nests about 6 deep. */
#define VO_THRIFT_DEPTH_MAX 64
/* Parquet: Thrift list and string sizes are bounded by the footer size. */

/* Pipeline: reader threads per Parquet file (-j); more than the row groups or
 * cores only adds memory. */
#define VO_THREADS_MAX 256

/* Outputs: symbolic links followed from -o to the file replaced (the kernel's own
 * limit, so a loop is refused the same way). */
#define VO_SYMLINK_HOPS_MAX 40

/* Inputs: files per run, after expanding folders. */
#define VO_INPUT_FILES_MAX 100000
/* Inputs: folders nested below an -i folder (Hive partitions nest a few deep;
 * more is a symbolic link loop or a mistake). */
#define VO_INPUT_DEPTH_MAX 64

/* Artifact: distinct countries and voucher amounts tracked per run. */
#define VO_COUNTRIES_MAX 4096
#define VO_VOUCHERS_MAX 65536
/* Segments config: segments and buckets per segment. */
#define VO_SEGMENTS_MAX 64
#define VO_BUCKETS_MAX 256
/* Names of segments, buckets and countries, in bytes. */
#define VO_NAME_MAX 256
/* Segments config file size. */
#define VO_CONFIG_FILE_MAX (1u << 20)
/* The artifact JSON a reader accepts. */
#define VO_ARTIFACT_MAX (256u << 20)
/* The artifact's shape, checked before its JSON tree is built (core/json_scan.h),
 * so a huge document of small values is refused after one pass over its bytes
 * instead of costing forty times its size: it nests 7 deep, its longest array is
 * `sources` (one element per input file), its widest object a cell's `counts`
 * (one member per voucher amount). */
#define VO_ARTIFACT_DEPTH_MAX 16
#define VO_ARTIFACT_ARRAY_MAX VO_INPUT_FILES_MAX
#define VO_ARTIFACT_OBJECT_MAX VO_VOUCHERS_MAX
/* Values in an artifact: four countries have a few hundred; every country with
 * thousands of voucher amounts, a few hundred thousand. */
#define VO_ARTIFACT_VALUES_MAX (4u << 20)
/* The estimated tree may cost this many times the text, plus the slack: a real
 * artifact costs 3 times its size (pretty-printed, as written) to 6 (minified). */
#define VO_ARTIFACT_TREE_FACTOR 12
#define VO_ARTIFACT_TREE_SLACK (1u << 20)
/* A partial result (vouch merge): it holds counts, not rows, so it is smaller
 * than the artifact of the same job. */
#define VO_PARTIAL_MAX VO_ARTIFACT_MAX
/* Shards of one job (--shard I/N): far past any cluster; keeps I * units
 * within 64 bits (units per job <= files x row groups). */
#define VO_SHARDS_MAX 1000000

/* CSV: the read buffer grows to hold a batch of records, but no further, so
 * memory stays flat whatever the file size; it must hold one whole record. */
#define VO_CSV_BUFFER_MAX (4u << 20)

/* Parquet: values per DELTA_BINARY_PACKED block; writers use 128 or 256, and
 * a block's bit widths and miniblocks are sized from it. */
#define VO_PARQUET_DELTA_BLOCK_MAX 65536
/* Parquet: bytes of DELTA_BYTE_ARRAY strings rebuilt for one batch (prefixes
 * let a small page expand, so the expansion has its own cap). */
#define VO_PARQUET_DELTA_BATCH_MAX (256u << 20)

/* Parquet: the decompressed bytes of a large PLAIN data page a reader holds at
 * once, per column.  Such a page (GZIP or stored uncompressed) is read and
 * inflated through a window of this size while its rows are decoded, so a
 * reader's memory stays a few MiB whatever the page size: DuckDB writes a
 * million-row column chunk as one page, 30 MB of timestamps, and a reader per
 * core holding that much would pass 64 MiB with two.  256 KiB is under a
 * core's L2 cache, so the parser reads what inflate just wrote from cache;
 * the window grows only when one batch's values need more.  Dictionary pages,
 * dictionary indices (a few bytes a row), the DELTA and BYTE_STREAM_SPLIT
 * encodings and the codecs that cannot stop mid-page (SNAPPY, ZSTD, LZ4,
 * BROTLI) are held whole, up to VO_PARQUET_PAGE_MAX. */
#define VO_PARQUET_WINDOW (256u << 10)

/* Parquet: a compressed page buffer larger than this is freed once the page is
 * decompressed instead of being kept for reuse (bounds a reader's memory to
 * about one decompressed page when pages are tens of megabytes). */
#define VO_PARQUET_RAW_KEEP (1u << 20)

/* The HTTP API (vouch serve).  Defaults can be changed on the command line. */
/* Default body limit of POST /voucher (SPEC section 5: 64 KiB). */
#define VO_API_BODY_DEFAULT (64u << 10)
/* Default body limit of POST /vouchers: 10000 requests of ~400 bytes each. */
#define VO_API_BATCH_BODY_DEFAULT (8u << 20)
/* Largest response body: a batch answer of 10000 results, or /segments. */
#define VO_API_RESPONSE_MAX (64u << 20)
/* Default limit of a request's head (request line and headers): 431 above. */
#define VO_API_HEADER_DEFAULT (8u << 10)
/* Default seconds a connection may stay idle between requests (keep-alive), or
 * after it was opened, before its first byte: long enough for a client's next
 * request, short enough that idle clients do not pile up. */
#define VO_API_TIMEOUT_DEFAULT 5
/* Default seconds for a whole request head from its first byte: a real head
 * arrives in one packet, so only a slow-loris client needs more than a few. */
#define VO_API_HEADER_TIMEOUT_DEFAULT 10
/* Default seconds for a whole body from the end of its head: an 8 MiB batch at
 * 300 KB/s still fits; a body that trickles in forever does not. */
#define VO_API_BODY_TIMEOUT_DEFAULT 30
/* Default seconds an answer may wait for a client that does not read it. */
#define VO_API_WRITE_TIMEOUT_DEFAULT 30
/* Default bytes of request bodies buffered at once over all connections (503
 * past it): bounds memory under many half-sent bodies (32 whole batches). */
#define VO_API_BODY_MEMORY_DEFAULT (256u << 20)
/* Default limit of open connections over all threads (capped by RLIMIT_NOFILE). */
#define VO_API_CONNECTIONS_DEFAULT 10000
/* Default limit of open connections from one client address (503 past it): a
 * load balancer or NAT may put many clients behind one address, so it is high. */
#define VO_API_PER_IP_DEFAULT 1024
/* Worker threads at most. */
#define VO_API_THREADS_MAX 256
/* Option bounds of `vouch serve` (defaults above).  A body limit of at least
 * 2 bytes ("{}"), at most the largest answer. */
#define VO_API_BODY_MIN 2
#define VO_API_BODY_MAX VO_API_RESPONSE_MAX
/* The head must hold a request line and the usual headers; 1 MiB is far past
 * any real client. */
#define VO_API_HEADER_MIN 1024
#define VO_API_HEADER_MAX (1u << 20)
/* An idle timeout above an hour keeps dead connections for nothing. */
#define VO_API_TIMEOUT_MAX 3600
/* Connections in total and per client address, far past what the file
 * descriptor limit allows anyway. */
#define VO_API_CONNECTIONS_MAX 1000000
#define VO_API_PER_IP_MAX 1000000
/* --max-stale at most: a week (0 turns it off). */
#define VO_API_MAX_STALE_MAX 604800u
/* The file source of `vouch serve`: folders watched along the artifact's
 * symbolic links (each link's folder, and the file's), and the milliseconds
 * between checks of the file's identity in case inotify missed a change (or
 * the file system sends no events). */
#define VO_FILE_WATCH_MAX (VO_SYMLINK_HOPS_MAX + 2)
#define VO_FILE_POLL_MS 2000
/* Seconds SIGTERM waits for requests in flight before closing anyway. */
#define VO_API_DRAIN_SECONDS 10
/* Seconds a binary upgrade (SIGUSR2) waits for the new process to be ready
 * (listening on the handed-over sockets, an artifact loaded) before it gives
 * up, stops it and keeps serving. */
#define VO_API_UPGRADE_SECONDS 60
/* Artifacts a file-mode server keeps for `vouch rollback` (--keep). */
#define VO_FILE_KEEP_DEFAULT 5
#define VO_FILE_KEEP_MAX 1000

/* The HTTP engine (src/http/). */
/* Field lines in one request head (431 past it); real clients send about 10. */
#define VO_HTTP_FIELDS_MAX 100
/* A chunk-size line with its extensions: a size is 1-15 hex digits. */
#define VO_HTTP_CHUNK_LINE_MAX 1024
/* Bytes of a connection's input buffer beyond --max-header: a small body (a
 * /voucher request is ~150 B) and pipelined requests are read into it, so
 * they need no other memory; larger bodies count towards --max-body-memory. */
#define VO_HTTP_INLINE_BODY (8u << 10)
/* A body nobody asked for (GET with a body, or the body of a request already
 * refused) is read and dropped up to this, keeping the connection; a larger
 * one is 400 and the connection is closed. */
#define VO_HTTP_DISCARD_MAX (64u << 10)
/* Answers waiting to be sent on one connection before its further pipelined
 * requests are left unread (a client that does not read its answers). */
#define VO_HTTP_OUTPUT_HIGH (256u << 10)
/* After an answer with Connection: close, what the client still sends is read
 * and dropped for this long (and up to this many bytes) before the socket is
 * closed, so that the answer is not destroyed by a TCP reset. */
#define VO_HTTP_LINGER_MS 2000
/* While draining, a keep-alive connection is closed once it has been idle
 * this long: a busy client's next request, which may already be on its way,
 * is answered (with Connection: close) instead of meeting a closed socket. */
#define VO_HTTP_DRAIN_IDLE_MS 1000
#define VO_HTTP_LINGER_BYTES (256u << 10)
/* Connections per worker accepted past a connection limit, only to be
 * answered 503; beyond them a new connection is closed at once. */
#define VO_HTTP_OVER_LIMIT_MAX 64
/* File descriptors kept free of connections (listeners, epoll, logs, the
 * artifact, Redis), plus VO_HTTP_OVER_LIMIT_MAX + 8 per worker. */
#define VO_HTTP_FD_RESERVE 64
/* Body buffers up to this size are kept by a worker for the next request. */
#define VO_HTTP_BODY_KEEP (64u << 10)
/* Idle input and body buffers a worker keeps for reuse. */
#define VO_HTTP_SPARE_BUFFERS 64

/* API: a customer_id string is echoed back; real ids are short, so a longer one
 * is a client bug, refused (422) rather than copied into the answer. */
#define VO_API_CUSTOMER_ID_MAX 256

/* JSON request bodies (core/json_doc.h).  Nesting: requests nest 3 deep, and
 * the limit is cJSON's (CJSON_NESTING_LIMIT), which the API used before. */
#define VO_JSON_NESTING_MAX 1000
/* Values in one request body: a full batch of 10000 requests with 25 members
 * each; 32 bytes a value, so at most 8 MiB of nodes per request. */
#define VO_API_JSON_VALUES_MAX 262144

/* Redis (vouch publish, vouch serve --segments redis://...). */
/* A redis URL, and its user and password; longer ones are typos or abuse. */
#define VO_REDIS_URL_MAX 1024
/* A host name in a redis URL (DNS names have at most 253 bytes). */
#define VO_REDIS_HOST_MAX 256
/* Sentinels in a redis-sentinel:// URL: three or five in practice. */
#define VO_REDIS_SENTINELS_MAX 16
/* Milliseconds to connect to a sentinel, and for its answer: the sentinels are
 * asked in turn, so one that is down must not hold up the others. */
#define VO_REDIS_SENTINEL_MS 500
/* Bytes of one reply: an artifact and its framing; STRLEN is checked first, so
 * this only stops a value that grew in between. */
#define VO_REDIS_REPLY_MAX (VO_ARTIFACT_MAX + 4096)
/* Bytes read from a subscription per wake-up: a flood of messages (or one huge
 * message, skipped as it arrives) cannot keep the thread from its other work. */
#define VO_REDIS_SUB_READ_MAX (4u << 20)
/* A key prefix; keys are PREFIX:segments:VERSION, so it stays short. */
#define VO_REDIS_PREFIX_MAX 128
/* Milliseconds to connect: a replica must not hang its reload thread on a dead host. */
#define VO_REDIS_CONNECT_MS 1000
/* Milliseconds a command may take from sending to the last byte of its reply: a
 * large artifact over a slow link, not longer (then a warning and a retry). */
#define VO_REDIS_COMMAND_MS 5000
/* Milliseconds between checks of PREFIX:segments:current, in case a message was missed. */
#define VO_REDIS_POLL_MS 3000
/* After a publish message, current is read at once, but again no sooner than
 * this: a flood of messages costs one read per interval, not one per message. */
#define VO_REDIS_MESSAGE_GAP_MS 50
/* A version refused as broken is fetched again only when current changes, on
 * SIGHUP, or after this long (a value fixed in place). */
#define VO_REDIS_REFUSED_RETRY_MS 60000
/* Reconnect backoff: the first retry, doubled up to the last, in milliseconds. */
#define VO_REDIS_BACKOFF_MIN_MS 100
#define VO_REDIS_BACKOFF_MAX_MS 2000
/* Versions kept by vouch publish unless --keep says otherwise, and at most. */
#define VO_REDIS_KEEP_DEFAULT 10
#define VO_REDIS_KEEP_MAX 1000
/* Old versions one publish deletes at most; a set grown past it by hand shrinks
 * over the next publishes (the transaction stays small). */
#define VO_REDIS_TRIM_MAX 1000

#endif
