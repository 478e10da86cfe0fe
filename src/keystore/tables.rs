//! whatsapp-rust's tables as the schema itself describes them: every one
//! keys its rows by `device_id`, except `device`, whose `id` is the device.
//! Read from `sqlite_master` and `table_info`, so a table the library adds
//! later is copied and deleted with the rest.

use rusqlite::{Connection, OptionalExtension};

/// One of a device's tables, in one attached schema.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<String>,
}

impl Table {
    /// The column that names the device.
    pub fn key(&self) -> &'static str {
        if self.name == "device" {
            "id"
        } else {
            "device_id"
        }
    }
}

/// `"name"`, quoted for SQL.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The tables of `schema` that hold a device's rows, `device` last (so
/// deleting in this order never leaves a row without its device).
pub fn device_tables(conn: &Connection, schema: &str) -> rusqlite::Result<Vec<Table>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT name FROM {}.sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_\\_%' ESCAPE '\\'
         AND name <> 'walink_devices' ORDER BY name = 'device', name",
        quoted(schema)
    ))?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut tables = Vec::new();
    for name in names {
        let mut info = conn.prepare(&format!(
            "SELECT name FROM {}.pragma_table_info(?1)",
            quoted(schema)
        ))?;
        let columns: Vec<String> = info
            .query_map([&name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let table = Table { name, columns };
        if table.columns.iter().any(|c| c == table.key()) {
            tables.push(table);
        }
    }
    Ok(tables)
}

/// Give every device table of `main` that has none an index led by its
/// device column; returns the indexes made. All devices share one file, so
/// whatsapp-rust's per-device queries on a table without one (its LID
/// mappings, read at every login; its tc-tokens, sent messages and
/// sender-key lists) read every device's rows: a restore of N sessions
/// cost N² row reads. Made again at each start, so a table whatsapp-rust
/// rebuilds or adds later gets one too.
pub fn index_by_device(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut made = Vec::new();
    for t in device_tables(conn, "main")? {
        if t.key() != "device_id" || led_by(conn, &t.name, "device_id")? {
            continue;
        }
        let index = format!("walink_{}_device", t.name);
        conn.execute_batch(&format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} (device_id)",
            quoted(&index),
            quoted(&t.name)
        ))?;
        made.push(index);
    }
    Ok(made)
}

/// Whether an index of `table` (its primary key's included) starts with
/// `column`.
fn led_by(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    let mut list = conn.prepare("SELECT name FROM pragma_index_list(?1)")?;
    let indexes: Vec<String> = list
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for index in indexes {
        let first: Option<String> = conn
            .query_row(
                "SELECT name FROM pragma_index_info(?1) WHERE seqno = 0",
                [&index],
                |r| r.get(0),
            )
            .optional()?;
        if first.as_deref() == Some(column) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The devices `schema` holds.
pub fn device_ids(conn: &Connection, schema: &str) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare(&format!("SELECT id FROM {}.device", quoted(schema)))?;
    let ids = stmt.query_map([], |r| r.get(0))?;
    ids.collect()
}

pub fn delete_device(conn: &Connection, schema: &str, device: i64) -> rusqlite::Result<usize> {
    let mut gone = 0;
    for t in device_tables(conn, schema)? {
        gone += conn.execute(
            &format!(
                "DELETE FROM {}.{} WHERE {} = ?1",
                quoted(schema),
                quoted(&t.name),
                t.key()
            ),
            [device],
        )?;
    }
    Ok(gone)
}

/// Rows per table of one device, for checking a copy.
pub fn count_device(
    conn: &Connection,
    schema: &str,
    tables: &[Table],
    device: i64,
) -> rusqlite::Result<Vec<(String, i64)>> {
    tables
        .iter()
        .map(|t| {
            let n = conn.query_row(
                &format!(
                    "SELECT COUNT(*) FROM {}.{} WHERE {} = ?1",
                    quoted(schema),
                    quoted(&t.name),
                    t.key()
                ),
                [device],
                |r| r.get(0),
            )?;
            Ok((t.name.clone(), n))
        })
        .collect()
}

/// Copy every row of device `from` in schema `src` to device `to` in
/// schema `dst`: the columns both schemas have, the device renumbered.
/// Returns the tables copied (those `dst` has).
pub fn copy_device(
    conn: &Connection,
    src: &str,
    from: i64,
    dst: &str,
    to: i64,
) -> rusqlite::Result<Vec<Table>> {
    let theirs = device_tables(conn, src)?;
    let mut copied = Vec::new();
    // The device row first: other tables refer to it.
    for ours in device_tables(conn, dst)?.into_iter().rev() {
        let Some(t) = theirs.iter().find(|t| t.name == ours.name) else {
            continue;
        };
        let cols: Vec<&String> = ours
            .columns
            .iter()
            .filter(|c| t.columns.contains(c))
            .collect();
        let names: Vec<String> = cols.iter().map(|c| quoted(c)).collect();
        let values: Vec<String> = cols
            .iter()
            .map(|c| {
                if c.as_str() == ours.key() {
                    "?2".to_owned()
                } else {
                    quoted(c)
                }
            })
            .collect();
        conn.execute(
            &format!(
                "INSERT INTO {dst}.{table} ({names}) SELECT {values} FROM {src}.{table} WHERE {key} = ?1",
                dst = quoted(dst),
                src = quoted(src),
                table = quoted(&ours.name),
                names = names.join(", "),
                values = values.join(", "),
                key = ours.key(),
            ),
            [from, to],
        )?;
        copied.push(ours);
    }
    Ok(copied)
}

/// `DELETE` from a table an old file never had: nothing to delete.
pub fn missing_table_is_empty(e: rusqlite::Error) -> rusqlite::Result<()> {
    match &e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.starts_with("no such table") => Ok(()),
        _ => Err(e),
    }
}
