/**
 * Русский каталог, часть о доверии при обмене (те же ключи, что в `en-exchange.ts`).
 * Входит в `ru` (`ru.ts`).
 */
import type { enExchange } from './en-exchange';

export const ruExchange: Record<keyof typeof enExchange, string> = {
  'exchange.signer_own': 'Подписано этим хранилищем',
  'exchange.signer_partner': 'Подписано: {partner} (известный ключ)',
  'exchange.signer_unknown': 'Подписано ключом, которого нет в ваших контактах',
  'exchange.signer_unsigned': 'Без подписи (сделано старой версией Casebook, или подпись удалили)',
  'exchange.forwarded': 'Файл был сделан для «{partner}», а не для вас: его кто-то переслал.',
  'exchange.forwarded_unnamed': 'Файл был сделан не для вас: его кто-то переслал.',
  'exchange.fingerprint': 'Ключ подписи {fingerprint}',
  'exchange.not_verified':
    'Casebook не может подтвердить, кто прислал этот файл, поэтому из него добавятся только новые дела. Дела, которые у вас уже есть, останутся точно такими же.',
  'exchange.verified': 'Файл подписан ключом, который вы подтвердили. Он может изменить ваши дела; каждое изменение показано ниже.',
  'exchange.refused': '{count} дело, которое у вас уже есть, не изменится|{count} дела, которые у вас уже есть, не изменятся|{count} дел, которые у вас уже есть, не изменятся',
  'exchange.already_imported': 'Этот файл уже импортировали ({when}). Повторный импорт ничего не изменит.',
  'exchange.changes_title': 'Изменения по полям',
  'exchange.change_apply': 'изменится',
  'exchange.change_conflict': 'конфликт: решите вы',
  'exchange.change_conflict_note':
    'Поле с пометкой «конфликт» с тех пор изменили и здесь. Оба значения сохранятся, и вы выберете одно в разделе «Конфликты».',
  'exchange.empty_value': '(пусто)',
  'exchange.changes_more': 'и ещё {count} изменение|и ещё {count} изменения|и ещё {count} изменений',
  'exchange.signing_title': 'Ваш ключ подписи',
  'exchange.signing_intro':
    'Каждый экспортированный файл подписывается этим ключом, чтобы партнёр мог проверить, что файл от вас и не изменён. Передайте партнёру эту строку один раз и сверьте слова по телефону.',
  'exchange.signing_words': 'Слова для сверки по телефону: {words}',
  'exchange.signing_check': 'Партнёры без Casebook проверяют файл программой ssh-keygen; как — написано в README.txt внутри файла.',
  'exchange.partners_title': 'Партнёры',
  'exchange.partners_intro':
    'Организации, с которыми вы обмениваетесь файлами. Экспортируйте партнёру по имени; файлы, подписанные ключом партнёра, показываются как присланные им. Добавляйте ключ, только сверив его слова с партнёром по телефону.',
  'exchange.partners_none': 'Партнёров пока нет.',
  'exchange.partner_name': 'Название организации',
  'exchange.partner_recipient': 'Их открытый ключ (age1…)',
  'exchange.partner_signing': 'Их ключ подписи (ssh-ed25519 …), чтобы узнавать их файлы',
  'exchange.partner_note': 'Заметка (необязательно)',
  'exchange.partner_add': 'Добавить партнёра',
  'exchange.partner_adding': 'Добавляем…',
  'exchange.partner_remove': 'Удалить',
  'exchange.partner_remove_confirm':
    'Удалить «{name}»? Его ключи перестанут действовать на этом компьютере: экспортировать ему будет нельзя, а его файлы больше не будут узнаваться.',
  'exchange.partner_key_recipient': 'открытый ключ',
  'exchange.partner_key_signing': 'ключ подписи',
  'exchange.partner_unconfirmed': 'не подтверждён на этом компьютере',
  'exchange.partner_choose': 'Выберите партнёра.',
  'exchange.partner_no_key':
    'У этого партнёра нет открытого ключа, подтверждённого на этом компьютере. Сверьте слова по телефону и добавьте ключ в разделе «Импорт → Партнёры».',
  'exchange.protection_partner': 'Партнёр из ваших контактов (рекомендуется)',
  'exchange.protection_partner_use': 'Файл шифруется для подтверждённых ключей партнёра и указывает, для кого он сделан.',
  'exchange.locked_partner': 'Для «{partner}», его подтверждёнными ключами',
  'exchange.protection_partner_label': 'Партнёр',
  'exchange.protection_partner_keys': 'Файл будет закрыт для этих ключей (если сомневаетесь, сверьте слова):',
  'exchange.protection_no_partners': 'В контактах пока нет партнёров: добавьте их в разделе «Импорт → Партнёры» или вставьте ключ.',
  'export.class.identity': 'Настоящие имена, псевдонимы и прозвища, дата рождения',
  'export.class.pseudonym': 'Псевдоним, выбранный для передачи',
  'export.class.contact': 'Контакты: телефоны, имена в мессенджерах, адреса почты',
  'export.class.free_text': 'Всё, что написано текстом: заметки, названия задач, подробности событий',
  'export.class.place': 'Город, где находится человек (страна остаётся)',
  'export.class.case_date': 'Даты событий и сроки задач',
  'export.class.official_id': 'Номера документов и номер уголовного дела',
  'export.class.third_party': 'Другие люди: члены семьи, организация-партнёр',
  'export.class.staff': 'Кто из вашей группы ведёт дело',
  'export.class.legal_status': 'Отметки риска (розыск, экстрадиция) и статьи УК',
  'export.class.case_core': 'Категория, этап, страна и уровень риска',
  'export.class.case_facts': 'Гражданство, языки, какие документы есть (без номеров), виды событий, какие задачи выполнены',
  'export.class.metadata': 'Когда каждая запись создана или изменена; номера записей делаются только для этого партнёра',
  'exchange.include_city': 'Указать и город',
  'exchange.not_anonymous': '«Без личных данных» — не значит анонимно: оставшиеся факты всё ещё могут указать на одного человека. Отправляйте только то, что нужно партнёру.',
};
