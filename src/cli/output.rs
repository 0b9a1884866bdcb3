//! Output formats: JSON for scripts, readable tables and case sheets for people.

use casebook::model::{CaseFile, CaseSummary};
use casebook::secret::RecoveryKey;
use casebook::vault::Vault;

/// Any value as pretty JSON.
pub fn json<T: serde::Serialize>(value: &T) {
    print_json(value)
}

fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: could not format the output as JSON: {e}"),
    }
}

/// Pads or cuts `s` to `width` characters.
fn cell(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n > width {
        let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

/// A new vault's location and its recovery key, shown once.
pub fn created(vault: &Vault, recovery: &RecoveryKey) {
    println!("Vault created at {}", vault.dir().display());
    println!("Vault id: {}", vault.id());
    println!();
    println!("Recovery key (shown only now; write it on paper and keep it apart from the laptop):");
    println!();
    println!("    {}", recovery.display_groups().as_str());
    println!();
    println!("With it, `casebook recover` sets a new passphrase if the passphrase is lost.");
}

/// The case list or search results.
pub fn summaries(rows: &[CaseSummary], json: bool) {
    if json {
        print_json(&rows);
        return;
    }
    if rows.is_empty() {
        println!("No cases.");
        return;
    }
    println!(
        "{}  {}  {}  {}  {}  NEXT DUE",
        cell("ID", 36),
        cell("NAME", 28),
        cell("STAGE", 13),
        cell("PLACE", 18),
        cell("RISK", 8)
    );
    for r in rows {
        let place = match (&r.country, &r.city) {
            (Some(c), Some(city)) => format!("{c} {city}"),
            (Some(c), None) => c.clone(),
            (None, Some(city)) => city.clone(),
            (None, None) => String::new(),
        };
        println!(
            "{}  {}  {}  {}  {}  {}",
            r.id,
            cell(&r.full_name, 28),
            cell(&r.stage, 13),
            cell(&place, 18),
            cell(r.risk_level.as_deref().unwrap_or("-"), 8),
            r.next_due.as_deref().unwrap_or("-")
        );
    }
    println!("{} case(s)", rows.len());
}

/// One case file.
pub fn case_file(c: &CaseFile, json: bool) {
    if json {
        print_json(c);
        return;
    }
    let line = |label: &str, value: &str| {
        if !value.is_empty() {
            println!("{} {value}", cell(&format!("{label}:"), 18));
        }
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    line("Case", &c.id);
    line("Name", &c.full_name);
    line("Name (Latin)", &opt(&c.full_name_latin));
    line("Aliases", &c.aliases.join(", "));
    line("Born", &opt(&c.birth_date));
    line("Citizenship", &c.citizenship.join(", "));
    line("Category", &opt(&c.category));
    line("Stage", &c.stage);
    line("Country", &opt(&c.country));
    line("City", &opt(&c.city));
    line("Risk", &opt(&c.risk_level));
    line("Risk flags", &c.risk_flags.join(", "));
    line("Articles", &c.criminal_articles.join(", "));
    line("Case number", &opt(&c.criminal_case_number));
    line("Assigned to", &opt(&c.assigned_to));
    line("Partner org", &opt(&c.partner_org));
    line("Created", &c.created_at);
    line("Updated", &c.updated_at);
    if !c.events.is_empty() {
        println!("\nTimeline:");
        for e in &c.events {
            println!("  {}  {}  {}", e.date, cell(&e.kind, 22), e.text.as_deref().unwrap_or(""));
        }
    }
    if !c.tasks.is_empty() {
        println!("\nTasks:");
        for t in &c.tasks {
            println!(
                "  [{}] {}  {}  ({})",
                if t.done { "x" } else { " " },
                t.due.as_deref().unwrap_or("no date   "),
                t.title,
                t.id
            );
        }
    }
    if !c.notes.is_empty() {
        println!("\nNotes (newest first):");
        for n in &c.notes {
            println!("  {} (device {}):", n.created_at, n.author_device);
            for l in n.body.lines() {
                println!("    {l}");
            }
        }
    }
}

fn short(device: &str, label: &str) -> String {
    let id = &device[..device.len().min(8)];
    if label.is_empty() {
        format!("device {id}")
    } else {
        format!("device {id} ({label})")
    }
}

/// What `sync` did.
pub fn sync_report(r: &casebook::sync::engine::SyncReport, json: bool) {
    if json {
        return print_json(r);
    }
    println!("sent: {} delta(s), {} change(s)", r.sent_deltas, r.sent_changes);
    if r.republished > 0 {
        println!("written again: {} delta(s) of this device that were missing from the share", r.republished);
    }
    let devices: std::collections::BTreeSet<&str> = r.received.iter().map(|x| x.device.as_str()).collect();
    println!(
        "received: {} delta(s), {} change(s) from {} device(s)",
        r.received.len(),
        r.received_changes,
        devices.len()
    );
    if r.conflicts > 0 {
        println!(
            "conflicts: {} new, {} open — review them with `casebook conflicts list`",
            r.new_conflicts, r.conflicts
        );
    }
    for w in &r.waiting {
        println!("waiting: {} at delta {}: {}", short(&w.device, &w.label), w.seq, w.reason);
    }
    for p in &r.problems {
        println!("problem: {}: {} (file left alone, nothing of it applied)", p.file, p.problem);
    }
    for a in &r.alarms {
        println!("ALARM {}: {} delta {}: {}", a.kind, short(&a.device, ""), a.seq, a.detail);
    }
    for q in &r.quarantined {
        quarantine_line(q);
    }
}

/// `share accept`.
pub fn accepted(q: &casebook::sync::engine::Quarantined, json: bool) {
    if json {
        return print_json(q);
    }
    println!(
        "Accepted: what device {} wrote from delta {} on is now this device's own change; run `casebook sync` to send it.",
        q.device, q.from_seq
    );
}

fn quarantine_line(q: &casebook::sync::engine::Quarantined) {
    match &q.accepted_at {
        None => println!(
            "QUARANTINED {} from delta {}: {} change(s) of {} record(s) rolled back on {}; \
             accept them as this device's own with `casebook share accept --device {}`",
            short(&q.device, &q.label),
            q.from_seq,
            q.changes,
            q.records,
            q.voided_at,
            q.device
        ),
        Some(at) => println!(
            "quarantined {} from delta {}: {} change(s) rolled back on {}, accepted on {at}",
            short(&q.device, &q.label),
            q.from_seq,
            q.changes,
            q.voided_at
        ),
    }
}

/// `quarantine list`.
pub fn quarantines(list: &[casebook::sync::engine::Quarantined], json: bool) {
    if json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!("Nothing is quarantined.");
    }
    for q in list {
        quarantine_line(q);
    }
}

/// `share requests`: never the code (the approver types it, F1).
pub fn join_requests(list: &[casebook::sync::engine::members::JoinRequest], json: bool) {
    if json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!("No join requests are waiting.");
    }
    for r in list {
        println!("{}  {}  arrived {}", &r.device[..8], r.label, r.arrived_at);
    }
    if !list.is_empty() {
        println!("Approve with `casebook share approve DEVICE --code CODE`, typing the code the joiner reads out.");
    }
}

/// `share status`.
pub fn share_status(s: &casebook::sync::engine::Status, json: bool) {
    if json {
        return print_json(s);
    }
    println!("share: {} (group {})", s.path, s.group_id);
    if let Some(reason) = &s.unreachable_reason {
        println!("share unreachable: {reason}");
    }
    if let Some(state) = &s.state {
        println!("this device: {state}");
    }
    if let Some(by) = &s.approved_by {
        println!("approved by: {by} (if that is not the coordinator you spoke to, tell your coordinator at once)");
    }
    if let Some(code) = &s.code {
        println!("code: {code} (read it out by voice to the person who invited you)");
    }
    if let Some(words) = &s.roster_head {
        println!("roster head: {words} (compare with a coordinator by phone)");
    }
    for d in &s.devices {
        let on_share = d.share_seq.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
        let role = match (&d.role, &d.state) {
            (Some(r), Some(st)) => format!(" [{r}, {st}]"),
            (None, Some(st)) => format!(" [{st}]"),
            _ => String::new(),
        };
        if d.this_device {
            println!(
                "  this device {}{role}: wrote {} delta(s), {} on the share",
                short(&d.device, &d.label),
                d.seq,
                on_share
            );
        } else {
            println!(
                "  {}{role}: applied {} of {} on the share; last heard {}; last wrote {}{}",
                short(&d.device, &d.label),
                d.seq,
                on_share,
                d.last_heard.as_deref().unwrap_or("never"),
                d.last_written.as_deref().unwrap_or("—"),
                d.gap.map(|g| format!("; MISSING delta {g}")).unwrap_or_default()
            );
        }
    }
    for a in &s.alarms {
        println!("ALARM {} ({}): {} delta {}: {}", a.kind, a.first_seen, short(&a.device, ""), a.seq, a.detail);
    }
    for q in &s.quarantine {
        quarantine_line(q);
    }
    println!("open conflicts: {}", s.conflicts);
}

/// `conflicts list`.
pub fn conflicts(list: &[casebook::store::conflicts::Conflict], json: bool) {
    if json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!("no conflicts");
        return;
    }
    for c in list {
        println!("conflict {}: {} of {} {} (case {})", c.id, c.field, c.record, c.record_id, c.case_id);
        for v in &c.values {
            println!(
                "  {}{} {} — {} at {}",
                v.n,
                if v.shown { " (shown)" } else { "" },
                v.value,
                short(&v.device, &v.device_label),
                v.time
            );
        }
    }
    println!("keep one with `casebook conflicts resolve ID --keep N`");
}

/// What an import will do (or did).
pub fn import_plan(p: &casebook::export::ImportPlan, json: bool) {
    if json {
        return print_json(p);
    }
    println!("{}.", capitalised(&p.signer));
    if let Some(fp) = &p.trust.fingerprint {
        println!("Signing key {fp}{}", p.trust.key.as_deref().map(|k| format!(": {k}")).unwrap_or_default());
    }
    if !p.trust.verified {
        println!("Not verified: it may only create new cases; cases this vault has are refused.");
    }
    if let Some(when) = &p.already_imported {
        println!("This bundle was imported already ({when}): nothing changes.");
    }
    println!(
        "Bundle (version {}, exported {}, profile {}, claims vault {}): {} new case(s), {} to update, {} unchanged, {} refused; {} notes, {} tasks, {} events.",
        p.version, p.exported_at, p.profile, p.vault_id, p.create, p.update, p.unchanged, p.refused, p.notes, p.tasks, p.events
    );
    for c in &p.cases {
        println!("  {:<9} {}  {}", c.action, c.id, c.name);
    }
    for u in &p.updates {
        println!("  {:<9} {} {} {}: {} -> {}", u.action, u.kind, short_id(&u.record), u.field, u.local, u.incoming);
    }
    for a in &p.attachments {
        println!("  {:<9} attachment {} of case {}: {} ({} bytes)", a.action, a.id, short_id(&a.case), a.name, a.size);
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// This vault's own keys (`identity show`): the age key on the first line.
pub fn own_keys(k: &casebook::export::partners::OwnKeys, json: bool) {
    if json {
        return print_json(k);
    }
    println!("{}", k.age_recipient);
    println!("{}", k.signing_key);
    println!("signing key fingerprint {} ({})", k.fingerprint, k.words);
    println!("for a partner's allowed_signers file: {}", k.allowed_signers);
}

/// Partners of the contact book, with each key's fingerprint.
pub fn partners(list: &[casebook::export::partners::PartnerView], json: bool) {
    if json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!(
            "No partner yet: add one with `casebook partner add NAME --recipient age1… --signing-key 'ssh-ed25519 …'`."
        );
    }
    for p in list {
        println!("{}{}", p.name, if p.note.is_empty() { String::new() } else { format!(" — {}", p.note) });
        for k in &p.keys {
            let state = if k.confirmed {
                "confirmed here".to_string()
            } else {
                format!(
                    "NOT CONFIRMED on this device, added by {}: compare the words by phone, then `casebook partner confirm`",
                    k.added_by_label.as_deref().unwrap_or(&k.added_by[..8.min(k.added_by.len())])
                )
            };
            println!("  {:<9} {}  {}  {}  [{state}]", k.kind, k.key, k.fingerprint, k.words);
        }
    }
}
