/**
 * The contacts provider as `content insert/query/delete` reach it:
 * content://com.android.contacts/{raw_contacts,data,contacts,data/phones}. Adding a phone row
 * is what fires the apps' contact-added telemetry.
 */

export type Row = Record<string, string | number | null>;

export const PHONE_MIME = 'vnd.android.cursor.item/phone_v2';
export const NAME_MIME = 'vnd.android.cursor.item/name';

export class ContactsProvider {
  private rawContacts: Row[] = [];
  private data: Row[] = [];
  private nextRaw = 1;
  private nextData = 1;
  private readonly onPhoneAdded: (contact: { name?: string; number: string }) => void;

  constructor(onPhoneAdded: (contact: { name?: string; number: string }) => void) {
    this.onPhoneAdded = onPhoneAdded;
  }

  /** Returns the new row's URI, or an error message. */
  insert(table: string, values: Row): { uri: string } | { error: string } {
    if (table === 'raw_contacts') {
      const row: Row = { _id: this.nextRaw++, account_type: null, account_name: null, deleted: 0, ...values };
      this.rawContacts.push(row);
      return { uri: `content://com.android.contacts/raw_contacts/${row._id}` };
    }
    if (table === 'data') {
      const rawId = Number(values.raw_contact_id);
      if (!this.rawContacts.some((r) => r._id === rawId)) return { error: `java.lang.IllegalArgumentException: raw_contact_id is required` };
      if (!values.mimetype) return { error: 'java.lang.IllegalArgumentException: mimetype is required' };
      const row: Row = { _id: this.nextData++, raw_contact_id: rawId, data1: null, data2: null, ...values };
      this.data.push(row);
      if (row.mimetype === PHONE_MIME && row.data1) {
        const name = this.displayName(rawId);
        this.onPhoneAdded({ number: String(row.data1), ...(name ? { name } : {}) });
      }
      return { uri: `content://com.android.contacts/data/${row._id}` };
    }
    return { error: `java.lang.IllegalArgumentException: Unknown URL content://com.android.contacts/${table}` };
  }

  query(table: string): Row[] | null {
    switch (table) {
      case 'raw_contacts':
        return this.rawContacts.map((r) => ({ ...r, display_name: this.displayName(Number(r._id)) ?? null }));
      case 'data':
        return this.data.map((r) => ({ ...r }));
      case 'data/phones':
        return this.data.filter((r) => r.mimetype === PHONE_MIME).map((r) => ({
          _id: r._id, raw_contact_id: r.raw_contact_id, display_name: this.displayName(Number(r.raw_contact_id)) ?? null, data1: r.data1, number: r.data1,
        }));
      case 'contacts':
        return this.rawContacts.filter((r) => !r.deleted).map((r) => ({
          _id: r._id, display_name: this.displayName(Number(r._id)) ?? null,
          has_phone_number: this.data.some((d) => d.raw_contact_id === r._id && d.mimetype === PHONE_MIME) ? 1 : 0,
        }));
      default:
        return null;
    }
  }

  delete(table: string, matches: (row: Row) => boolean): number {
    if (table === 'raw_contacts' || table === 'contacts') {
      const gone = this.rawContacts.filter(matches).map((r) => r._id);
      this.rawContacts = this.rawContacts.filter((r) => !gone.includes(r._id));
      this.data = this.data.filter((d) => !gone.includes(d.raw_contact_id as number));
      return gone.length;
    }
    if (table === 'data') {
      const before = this.data.length;
      this.data = this.data.filter((r) => !matches(r));
      return before - this.data.length;
    }
    return 0;
  }

  private displayName(rawId: number): string | undefined {
    const row = this.data.find((d) => d.raw_contact_id === rawId && d.mimetype === NAME_MIME);
    return row ? String(row.data1 ?? '') : undefined;
  }
}
