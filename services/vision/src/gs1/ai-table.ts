// GS1 Application Identifiers: AI length by prefix and each AI's data format (GS1 General Specifications 3.2).

/** `n`: digits only. `x`: GS1 AI encodable character set 82 (printable ASCII subset). `date`: YYMMDD. */
export type AiCharset = 'n' | 'x' | 'date';

export interface AiFormat {
  /** Data length when fixed, or the maximum when variable. */
  length: number;
  /** Fixed-length elements need no FNC1 separator after them. */
  fixed: boolean;
  charset: AiCharset;
  title: string;
}

/**
 * AI length from its first two digits (GenSpecs Figure 3.2-1 "predefined length" table, and the AI
 * structure rules): 2, 3 or 4 digits.
 */
export function aiLength(firstTwoDigits: string): 2 | 3 | 4 | undefined {
  const prefix = Number(firstTwoDigits);
  if (!/^\d\d$/.test(firstTwoDigits)) return undefined;
  if (prefix <= 22 || prefix === 30 || prefix === 37 || prefix >= 90) return 2;
  if (
    prefix === 23 ||
    prefix === 24 ||
    prefix === 25 ||
    prefix === 40 ||
    prefix === 41 ||
    prefix === 42 ||
    prefix === 71
  )
    return 3;
  if (
    (prefix >= 31 && prefix <= 36) ||
    prefix === 39 ||
    prefix === 43 ||
    prefix === 70 ||
    prefix === 72 ||
    prefix === 80 ||
    prefix === 81 ||
    prefix === 82
  )
    return 4;
  return undefined;
}

const fixedN = (length: number, title: string): AiFormat => ({ length, fixed: true, charset: 'n', title });
const varN = (length: number, title: string): AiFormat => ({ length, fixed: false, charset: 'n', title });
const varX = (length: number, title: string): AiFormat => ({ length, fixed: false, charset: 'x', title });
const date = (title: string): AiFormat => ({ length: 6, fixed: true, charset: 'date', title });

const EXACT: Record<string, AiFormat> = {
  '00': fixedN(18, 'SSCC'),
  '01': fixedN(14, 'GTIN'),
  '02': fixedN(14, 'CONTENT'),
  '03': fixedN(14, 'MTO GTIN'),
  '10': varX(20, 'BATCH/LOT'),
  '11': date('PROD DATE'),
  '12': date('DUE DATE'),
  '13': date('PACK DATE'),
  '15': date('BEST BEFORE'),
  '16': date('SELL BY'),
  '17': date('USE BY / EXPIRY'),
  '20': fixedN(2, 'VARIANT'),
  '21': varX(20, 'SERIAL'),
  '22': varX(20, 'CPV'),
  '235': varX(28, 'TPX'),
  '240': varX(30, 'ADDITIONAL ID'),
  '241': varX(30, 'CUST. PART No.'),
  '242': varN(6, 'MTO VARIANT'),
  '243': varX(20, 'PCN'),
  '250': varX(30, 'SECONDARY SERIAL'),
  '251': varX(30, 'REF. TO SOURCE'),
  '253': varX(30, 'GDTI'),
  '254': varX(20, 'GLN EXTENSION'),
  '255': varN(25, 'GCN'),
  '30': varN(8, 'VAR. COUNT'),
  '37': varN(8, 'COUNT'),
  '400': varX(30, 'ORDER NUMBER'),
  '401': varX(30, 'GINC'),
  '402': fixedN(17, 'GSIN'),
  '403': varX(30, 'ROUTE'),
  '420': varX(20, 'SHIP TO POST'),
  '421': varX(12, 'SHIP TO POST'),
  '422': fixedN(3, 'ORIGIN'),
  '423': varN(15, 'COUNTRY - INITIAL PROCESS'),
  '424': fixedN(3, 'COUNTRY - PROCESS'),
  '425': varN(15, 'COUNTRY - DISASSEMBLY'),
  '426': fixedN(3, 'COUNTRY - FULL PROCESS'),
  '427': varX(3, 'ORIGIN SUBDIVISION'),
  '7001': fixedN(13, 'NSN'),
  '7002': varX(30, 'MEAT CUT'),
  '7003': fixedN(10, 'EXPIRY TIME'),
  '7004': varN(4, 'ACTIVE POTENCY'),
  '8001': fixedN(14, 'DIMENSIONS'),
  '8002': varX(20, 'CMT No.'),
  '8003': varX(30, 'GRAI'),
  '8004': varX(30, 'GIAI'),
  '8005': fixedN(6, 'PRICE PER UNIT'),
  '8006': fixedN(18, 'ITIP'),
  '8007': varX(34, 'IBAN'),
  '8008': varN(12, 'PROD TIME'),
  '8012': varX(20, 'VERSION'),
  '8017': fixedN(18, 'GSRN - PROVIDER'),
  '8018': fixedN(18, 'GSRN - RECIPIENT'),
  '8020': varX(25, 'REF No.'),
  '90': varX(30, 'INTERNAL'),
};

/** The format of `ai`, or undefined when this parser does not know it. */
export function aiFormat(ai: string): AiFormat | undefined {
  const exact = EXACT[ai];
  if (exact) return exact;
  // 310n-369n: measures with an implied decimal point n; always six digits.
  if (/^3[1-6]\d\d$/.test(ai)) return fixedN(6, 'MEASURE');
  if (/^39[0-3]\d$/.test(ai)) return varN(18, 'AMOUNT / PRICE');
  // 91-99: company internal information.
  if (/^9[1-9]$/.test(ai)) return varX(90, 'INTERNAL');
  return undefined;
}
