import { Injectable } from '@nestjs/common';

/** Counters of what ingest did since start; the quarantine table is the durable record. */
@Injectable()
export class IngestStats {
  storedEvents = 0;
  duplicateEvents = 0;
  readonly quarantinedByReason: Record<string, number> = {};

  stored(count: number): void {
    this.storedEvents += count;
  }

  duplicates(count: number): void {
    this.duplicateEvents += count;
  }

  quarantined(reason: string): void {
    this.quarantinedByReason[reason] = (this.quarantinedByReason[reason] ?? 0) + 1;
  }
}
