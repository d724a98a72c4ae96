// A transform module: each input row gives zero, one or many output rows, written in input order.
import { defineTransform } from 'chunkmill';

export default defineTransform({
  columns: ['region', 'amount'], // optional CSV header
  transform: (row) =>
    row.get('amount') === ''
      ? null // null: drop the row
      : { region: row.get('region').toUpperCase(), amount: row.get('amount') },
});
