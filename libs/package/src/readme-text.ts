import type { ReportFacts } from './report-text';
import { roc } from './sections/labels';

/** 說明.txt: what the package holds and how an inspector verifies it, in Traditional Chinese. */
export function readmeText(facts: ReportFacts): string {
  return [
    `勞保WebIR使用情形稽核資料包(要點 十二(五))`,
    `機關:${facts.agencyName}(${facts.agencyCode})`,
    `期間:${roc(facts.from)}至${roc(facts.to)}(Asia/Taipei)`,
    `資料基準:帳本檢查點(樹大小 ${facts.checkpoint.treeSize},根雜湊 ${facts.checkpoint.rootHash},簽章金鑰 ${facts.checkpoint.keyName} / ${facts.checkpoint.keyId})`,
    '',
    '一、內容',
    '  report.pdf        稽核報告(各節註明要點依據、筆數及統計)',
    '  *.csv             各節明細表(UTF-8 含 BOM,可直接以 Excel 或 LibreOffice 開啟;日期為民國紀年;末欄「來源事件」指向 events.jsonl 之事件)',
    '  events.jsonl      本機關各串流之事件,每行一筆,按帳本全域順序,保留原始中繼資料及雜湊',
    '  proofs.json       每一事件於上述檢查點之包含證明(RFC 9162)、已簽章檢查點(C2SP signed note,Ed25519)及公開金鑰',
    '  manifest.json     各檔 SHA-256、產製程式版本及參數',
    '',
    '二、驗證方式(毋須連線帳本)',
    '  1. 向帳本管理機關以書面或其他可信管道取得公開金鑰(GET /ledger/public-key 之 verifierKey),勿僅採用資料包內所附者。',
    '  2. 執行:npm run cli -- verify-package 本檔.zip --public-key <公開金鑰>',
    '     驗證程式檢查:manifest 之 SHA-256;每一事件之雜湊及其串流雜湊鏈(自第 0 筆起);每一事件之包含證明與檢查點簽章;',
    '     各 CSV 之每一列及報告之各節筆數與統計,均由事件重新計算比對。結果 0 為通過,1 為未通過並指出第一個不符之檔案、行號及事件。',
    '  3. 亦可自行驗證:事件雜湊為 SHA-256(RFC 8785 正規化 JSON 之 {streamId, revision, type, data, metadata(不含 hash)});',
    '     葉雜湊為 SHA-256(0x00 || 事件雜湊 32 位元組),依 RFC 6962 計算至檢查點根雜湊。',
    '',
    '三、限制',
    '  持有人之身分證統一編號及姓名取自金鑰保管庫,無法由事件重新計算;驗證程式不比對該二欄。',
    facts.holders === 'revealed' ? `  本資料包依查閱目的揭露持有人資料:${facts.purpose}` : '  本資料包之持有人資料已遮蔽。',
    '',
  ].join('\r\n');
}
