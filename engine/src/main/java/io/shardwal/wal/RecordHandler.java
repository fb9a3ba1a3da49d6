package io.shardwal.wal;

/** Receives records from tailers, {@code iterShard} and {@code replay}, zero-copy. */
@FunctionalInterface
public interface RecordHandler
{
    /**
     * One committed record. {@code record} is a flyweight over mapped memory, reused for the next record: copy
     * what must outlive the call. If this method throws, the reader does not advance past the record.
     */
    void onRecord(WalRecord record);
}
