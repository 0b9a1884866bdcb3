/**
 * English catalog, the Sync screen's part: the share, devices, invites, the sync report,
 * alarms, conflicts and changes taken back. Merged into `en` (`en.ts`).
 */
export const enSync = {
  'sync.title': 'Sync',
  'sync.setup_title': 'Keep the devices of your group in step',
  'sync.setup_intro':
    'Sync keeps the case files on the computers of your group the same. The computers never connect to each other: each one leaves encrypted updates in a shared folder, and the others pick them up from there.',
  'sync.setup_folder':
    'The share folder can be a Syncthing or Nextcloud folder, a folder on a network drive, or a USB stick that you pass around. Every device of the group must be able to reach it.',
  'sync.setup_safe':
    'Whoever holds the folder sees only scrambled files: they cannot read the cases or change them without being noticed.',
  'sync.create_title': 'Create a new sync group',
  'sync.create_intro': 'Start here on the first computer of your group. Then invite the others from this screen.',
  'sync.join_title': 'Join with an invite',
  'sync.join_intro': 'Use this when someone in your group has made an invite for this computer.',
  'sync.folder_label': 'Share folder (full path)',
  'sync.folder_placeholder': '/home/anna/Sync/casebook',
  'sync.folder_hint_create':
    'Type the whole path, for example /home/anna/Sync/casebook or /media/anna/USB/casebook. An empty or new folder is best; it is created if missing.',
  'sync.folder_hint_join': 'The same shared folder, as it appears on this computer. It may have a different path here.',
  'sync.label_label': 'Name of this device',
  'sync.label_placeholder': 'Anna’s laptop',
  'sync.label_hint': 'The other devices see this name. Use a nickname, not a real surname.',
  'sync.invite_label': 'Invite text',
  'sync.invite_passphrase_label': 'One-time passphrase',
  'sync.invite_passphrase_hint': 'Four words joined by hyphens, sent to you separately from the invite.',
  'sync.create_submit': 'Create sync group',
  'sync.creating': 'Creating…',
  'sync.join_submit': 'Join the group',
  'sync.joining': 'Joining… (checking the passphrase takes a few seconds)',
  'sync.join_wrong_passphrase': 'This passphrase does not open the invite. Check the words and the hyphens between them.',
  'sync.join_unreachable':
    'Casebook cannot use this folder as the share. Check the path, and that the shared folder has arrived on this computer (it holds a file named casebook.share).',
  'sync.created_notice': 'The sync group is ready. Invite your other devices below, then press “Sync now”.',
  'sync.joined_notice': 'This computer has joined the group. Press “Sync now” to fetch the group’s cases.',
  'sync.upgraded_notice':
    'The group now has a roster and you are its first coordinator. Write down the recovery key above, then invite every other device again.',
  'sync.old_title': 'This group was made by an older Casebook',
  'sync.old_explain':
    'Anyone who ever held one of its invites can read everything it syncs, and no device can ever be removed from it.',
  'sync.old_upgrade_explain':
    'Upgrade it: the group gets coordinators, approval of each device by a code read out by voice, and removal of a device. You become its first coordinator. Every other device then joins again with a new invite from you; nothing anyone wrote is lost. Only one person upgrades a group: agree with your colleagues who it is.',
  'sync.old_upgrade': 'Upgrade the group…',
  'sync.old_confirm_title': 'Upgrade the group now?',
  'sync.old_confirm_explain':
    'Do this only if you will coordinate the group. Until each other device joins again with a new invite, it sends and receives nothing.',
  'sync.old_confirm_yes': 'Upgrade and become coordinator',
  'sync.old_join_explain':
    'Did a colleague already upgrade the group and give you a new invite? Join the upgraded group with it: this computer then waits for their approval.',
  'sync.old_join': 'Join the upgraded group',
  'sync.share_folder': 'Share folder',
  'sync.now': 'Sync now',
  'sync.syncing': 'Syncing…',
  'sync.syncing_hint': 'Sending this computer’s changes and reading the others’. You can keep working.',
  'sync.explain_now': 'Sync sends the changes made here and brings in the changes of the other devices.',
  'sync.dismiss_alarm': 'Dealt with: hide this warning',
  'sync.last_auto': 'Last synced by itself at {time}.',
  'sync.last_manual': 'Last synced at {time}.',
  'sync.auto_off': 'Automatic sync is off: press “Sync now” to sync. You can turn it on in Settings.',
  'sync.unreachable':
    'The share folder cannot be reached right now. Plug in the USB stick or connect the network drive, then sync again.',
  'sync.summary_title': 'Last sync',
  'sync.summary_quiet': 'Everything is up to date.',
  'sync.summary_sent': 'Sent {count} change to the share.|Sent {count} changes to the share.',
  'sync.summary_sent_none': 'Nothing new to send from this computer.',
  'sync.summary_republished':
    'Wrote again {count} update of this computer that was missing from the share.|Wrote again {count} updates of this computer that were missing from the share.',
  'sync.summary_received': 'Received {count} change from {devices}.|Received {count} changes from {devices}.',
  'sync.summary_received_none': 'Nothing new from the other devices.',
  'sync.summary_new_conflicts':
    '{count} new conflict: two devices changed the same thing. Review it below.|{count} new conflicts: two devices changed the same thing. Review them below.',
  'sync.summary_open_conflicts': '{count} conflict is still waiting for review below.|{count} conflicts are still waiting for review below.',
  'sync.summary_waiting_title': 'Waiting for devices',
  'sync.summary_waiting':
    '{device}: update {seq} has not arrived yet, so its later updates wait. It may still be on its way; sync again later.',
  'sync.waiting.newer_version':
    '{device} uses a newer version of Casebook. Update Casebook on this computer to receive its updates; nothing is lost meanwhile.',
  'sync.waiting.other_version':
    '{device}: update {seq} follows a version of another device’s update that this computer never received (that device may have been copied). Its updates wait; tell your coordinator.',
  'sync.waiting.refused': '{device}: update {seq} was refused as unsafe, so its later updates wait. Tell your coordinator.',
  'sync.waiting.deferred':
    'This computer could not apply update {seq} of {device} (the disk may be full). Nothing of it was applied; it is tried again at the next sync.',
  'sync.waiting.quarantined':
    '{device} wrote two versions of its history, so its updates from number {seq} on are not applied. See “Changes taken back” below.',
  'sync.quarantine.title': 'Changes taken back',
  'sync.quarantine.explain':
    'These devices wrote two different versions of the same updates: usually a vault restored from a backup or copied to another laptop, sometimes a stolen key. What they wrote from then on was taken back here and on every other device, so that all devices agree. A real copy of the vault sends its changes again as a new device by itself; keep them here only if you know they are right.',
  'sync.quarantine.item':
    '{device}: what it wrote from update {seq} on was taken back on {time} (changes: {changes}, records: {records}).',
  'sync.quarantine.accept': 'Keep these changes…',
  'sync.quarantine.confirm':
    'Keep them as this computer’s own changes? They are sent to the whole group at the next sync. Do this only if your coordinator agrees they are right.',
  'sync.quarantine.confirm_button': 'Keep as my changes',
  'sync.quarantine.accepted': 'Kept as this computer’s own changes on {time}.',
  'sync.waiting.no_record': '{device} has no readable device card on the share yet, so its updates cannot be checked. Sync again later.',
  'sync.summary_problems_title': '{count} file could not be used|{count} files could not be used',
  'sync.summary_problems_help': 'They were left alone and nothing in them was applied. If this keeps happening, tell your coordinator.',
  'sync.summary_problem_why': 'Why',
  'sync.summary_alarms_title': 'Warning: tell your coordinator',
  'sync.alarms_title': 'Warnings that need your coordinator',
  'sync.devices_title': 'Devices in this group',
  'sync.devices_alone': 'No other device has joined yet. Use “Invite a device” below.',
  'sync.col_device': 'Device',
  'sync.col_id': 'Short id',
  'sync.col_heard': 'Last heard from',
  'sync.col_updates': 'Updates: applied here / on the share',
  'sync.no_label': 'Unnamed device',
  'sync.this_device': 'this computer',
  'sync.this_device_named': '{name} (this computer)',
  'sync.device_unnamed': 'device {id}',
  'sync.never': 'Not yet',
  'sync.updates_counts': '{here} / {share}',
  'sync.updates_help': 'Updates of this device applied here / its updates on the share',
  'sync.updates_mine_help': 'Updates this computer has written / of them on the share',
  'sync.missing_update': 'missing update {seq}',
  'sync.updates_note': 'For this computer, the first number counts the updates it has written.',
  'sync.gap_note':
    '“Missing update” means a later update of that device is on the share but an earlier one is not. It may still be on its way; if it stays missing, someone may have removed it: tell your coordinator.',
  'sync.invite_title': 'Invite a device',
  'sync.invite_intro':
    'An invite lets one more computer ask to join this group. You get two things: the invite text and one-time words. Nothing of the group reaches that computer until you approve it with the code its person reads out to you.',
  'sync.invite_make': 'Make an invite',
  'sync.inviting': 'Making the invite…',
  'sync.invite_warning':
    'Give the invite text and the words by two different channels: read the words out by voice.',
  'sync.invite_warning_more':
    'For example, the invite by e-mail or Signal and the words on a call with someone you recognise. Whoever gets both can only ask to join: they are in only once you approve them with their code.',
  'sync.invite_step_text': '1. Invite text',
  'sync.invite_step_passphrase': '2. One-time passphrase',
  'sync.copy': 'Copy',
  'sync.copied': 'Copied',
  'sync.selected': 'Selected: press Ctrl+C to copy',
  'sync.invite_valid': 'The invite works for 7 days. It is not kept: once you close it, make a new one if needed.',
  'sync.invite_done': 'Done, hide the invite',
  'sync.conflicts_title': '{count} conflict to review|{count} conflicts to review',
  'sync.conflicts_intro':
    'Two devices changed the same field before they had seen each other’s change. The case shows the marked value for now. Choose the one to keep: your choice reaches the other devices with the next sync.',
  'sync.conflict_case': 'Case',
  'sync.conflict_shown': 'shown now',
  'sync.conflict_by': 'by {device}, {time}',
  'sync.keep_this': 'Keep this',
  'sync.keep_this_value': 'Keep this for {field}: {value}',
  'identity.title': 'This vault’s public key',
  'identity.intro':
    'Give this key to partner organisations so that they can send you export files that only this vault can open.',
  'identity.not_secret': 'The public key is not secret: you can send it by e-mail or messenger. It opens nothing by itself.',
  'alarm.fork':
    'Device “{device}” wrote two different versions of the same update (number {seq}). Someone may have copied its key. What it wrote from then on was taken back on every device (see “Changes taken back”). Tell your coordinator.',
  'alarm.key_changed':
    'Device “{device}” now shows a different signature than before, so its updates are not used. Someone may be pretending to be it. Tell your coordinator.',
  'alarm.vault_older_than_share':
    'This vault is older than its own updates on the share (number {seq}): it was probably restored from an old copy. So that nothing is overwritten, this computer now sends as a new device and brings in what the other copy wrote. Tell your coordinator.',
  'alarm.own_delta_replaced':
    'Update number {seq} of this computer was replaced on the share by another version made with the same key: a copy of this vault (a restored backup, or the vault copied to another laptop) is in use. This computer sends its changes again as a new device, so nothing is lost. Keep using only one copy of the vault. Tell your coordinator.',
  'alarm.refused':
    'Update number {seq} of device “{device}” breaks Casebook’s rules (for example, it rewrites a note or moves a task to another case), so none of it was applied, here or on any other device. Its later updates wait. The others keep syncing. Tell your coordinator.',
  'alarm.unsendable':
    'Update number {seq} of this computer would be refused by the other devices, so it was not sent, and sending is stopped. Nothing is lost: update Casebook and sync again. Tell your coordinator.',
  'alarm.new_identity':
    'Another copy of this vault wrote updates in its name, so this computer now syncs as a new device. Its changes were sent again under the new device and nothing is lost; the other devices list it next to the old one. Keep using only one copy of the vault. Tell your coordinator.',
  'alarm.future_clock':
    'Update number {seq} of device “{device}” is dated far in the future: that computer’s clock is probably wrong. Its changes were applied. Where someone edited the same field without seeing them, both values are kept as a conflict to review on the Sync screen; an edit made now replaces them. Ask the owner of that device to check its date and time.',
  'alarm.partner_key_unconfirmed':
    'Device “{device}” added a partner’s key that is not confirmed on this computer. It is not used here until you compare its words with the partner by phone and confirm it under Import → Partners.',
  'alarm.blob_refused':
    'A file that device “{device}” attached arrived changed or damaged on the share, so it was not kept (nothing of it was opened). The case shows the attachment as not arrived. If it stays so, ask the owner of that device to sync again; if it happens often, tell your coordinator.',
  'alarm.old_version':
    'Device “{device}” runs an older version of Casebook, so every device keeps sending updates in the older, less protected form. Ask its owner to update Casebook; this warning goes away by itself once they have.',
  'alarm.other': 'Something about device “{device}” needs a person to look at it. Tell your coordinator.',
  'conflict.record.case': 'case',
  'conflict.record.event': 'timeline event',
  'conflict.record.task': 'task',
  'conflict.record.note': 'note',
  'conflict.field.task_title': 'Task',
  'conflict.field.task_done': 'Task done',
  'conflict.field.note_body': 'Note',
  'conflict.field.deleted': 'Deleted',
  'conflict.empty': '(empty)',
  'conflict.value.deleted': 'Deleted',
  'conflict.value.not_deleted': 'Kept (not deleted)',
  'conflict.value.done': 'Done',
  'conflict.value.not_done': 'Not done',
  'sync.recovery_title': 'The group recovery key: write it down now',
  'sync.recovery_explain':
    'This key can bring the group back if a coordinator’s laptop is seized and used against the group. It is shown only now. Write it on paper and give it to your organisation’s lead to keep offline, away from this laptop.',
  'sync.recovery_never':
    'Never store it on this computer, in a chat or in a photo. It is not the vault passphrase.',
  'sync.recovery_kept': 'I have written it down',
  'sync.pending_title': 'Waiting for approval',
  'sync.pending_explain':
    'This computer has asked to join the group. Nothing of the group reaches it until the person who invited you approves it. Read this code out to them:',
  'sync.code_label': 'Code to read out',
  'sync.compare_by_voice':
    'Compare the code by voice, on a call with someone you recognise — never in the chat that carried the invite.',
  'sync.revoked_title': 'This computer was removed from the group',
  'sync.revoked_explain':
    'It sends and receives nothing more. The cases it already holds stay in this vault. Ask a coordinator if you think this is a mistake.',
  'sync.requests_title': 'Devices asking to join',
  'sync.request_arrived': 'asked on {time}',
  'sync.type_code': 'Code the other person reads out to you',
  'sync.approve': 'Approve',
  'sync.decline': 'Decline',
  'sync.col_role': 'Role',
  'sync.role_coordinator': 'Coordinator',
  'sync.role_member': 'Member',
  'sync.state_pending': 'waiting for approval',
  'sync.state_member': 'member',
  'sync.state_revoked': 'removed',
  'sync.state_legacy': 'old group: its history only',
  'sync.revoke': 'Remove…',
  'sync.revoke_title': 'Remove “{device}” from the group?',
  'sync.revoke_explain':
    'The device will read nothing written from now on: every other device gets a new key. What it wrote after its last update that reached this computer is taken back on every device.',
  'sync.revoke_checklist_title': 'Also do this, today:',
  'sync.revoke_check_syncthing': 'Remove the device from Syncthing on every computer of the group.',
  'sync.revoke_check_password':
    'Change the password of the Nextcloud account or network share that holds the folder.',
  'sync.revoke_check_tell': 'Tell the group, by a channel the removed device cannot read.',
  'sync.revoke_reason': 'Reason (seen only by the group’s devices)',
  'sync.revoke_confirm': 'Remove the device',
  'sync.roster_head':
    'Membership check: {words} — read these four words to a coordinator by phone; they must see the same.',
  'alarm.removed':
    'This computer was removed from the group: it sends and receives nothing more. Tell your coordinator if this is a mistake.',
  'alarm.reenrol':
    'A copy of this vault wrote updates in this computer’s name. This computer stops writing so that nothing is overwritten. Leave the group and ask for a new invite. Tell your coordinator.',
  'alarm.invite_reused':
    'Two devices answered one invite, so the invite was burnt and neither was approved. Someone else has the invite and its words. Make a new invite and hand it over in person or by voice.',
  'alarm.recovery_used':
    'The group recovery key was used to change who is in the group. If nobody in your organisation did this, the key was stolen: tell your coordinator at once.',
  'alarm.revocation_cycle':
    'Devices of the group removed each other, so all of them are out. The organisation’s lead can bring the right ones back with the recovery key. Tell your coordinator.',
  'sync.invite_words_voice':
    'Read these words out by voice to the person who joins. Do not copy them or send them in writing.',
  'sync.copied_cleared':
    'Copied: the clipboard is emptied again in 30 seconds',
  'sync.approved_by':
    'This computer was approved by “{device}”. If that is not the coordinator you spoke to, tell your coordinator at once.',
} as const satisfies Record<string, string>;
