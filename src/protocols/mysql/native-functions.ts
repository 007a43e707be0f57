// The server's native functions, from MariaDB 10.11.19-MariaDB-0+deb12u1's information_schema.SQL_FUNCTIONS (regenerate with
// `mariadb -N -e "SELECT LOWER(FUNCTION) FROM information_schema.SQL_FUNCTIONS"`), plus the functions the
// grammar itself reads (keywords, absent from that table) and a few MySQL 8 has and MariaDB does not.
// An unqualified call to any other name is a stored function of the current database (the server resolves
// it there), which may write and runs with its definer's rights: it needs execute on it like `db.f()`.
const NATIVE = [
  'abs acos adddate addtime add_months aes_decrypt aes_encrypt asin atan atan2 benchmark bin binlog_gtid_pos',
  'bit_and bit_count bit_length bit_or bit_xor cast ceil ceiling character_length char_length chr coalesce',
  'coercibility collation column_check column_exists column_json column_list compress concat',
  'concat_operator_oracle concat_ws connection_id conv convert_tz cos cot count crc32 crc32c cume_dist curdate',
  'curtime database datediff date_add date_format date_sub dayname dayofmonth dayofweek dayofyear decode',
  'decode_histogram decode_oracle degrees dense_rank des_decrypt des_encrypt elt encode encrypt exp export_set',
  'extract extractvalue field find_in_set first_value floor format found_rows from_base64 from_days from_unixtime',
  'get_lock greatest group_concat hex ifnull inet6_aton inet6_ntoa inet_aton inet_ntoa instr isnull is_free_lock',
  'is_ipv4 is_ipv4_compat is_ipv4_mapped is_ipv6 is_used_lock json_array json_arrayagg json_array_append',
  'json_array_insert json_compact json_contains json_contains_path json_depth json_detailed json_equals',
  'json_exists json_extract json_insert json_keys json_length json_loose json_merge json_merge_patch',
  'json_merge_preserve json_normalize json_object json_objectagg json_overlaps json_pretty json_query json_quote',
  'json_remove json_replace json_search json_set json_type json_unquote json_valid json_value lag last_day',
  'last_insert_id lcase lead least length lengthb ln load_file locate log log10 log2 lower lpad lpad_oracle ltrim',
  'ltrim_oracle makedate maketime make_set master_gtid_wait master_pos_wait max md5 median microsecond mid min',
  'mod monthname name_const natural_sort_key now nth_value ntile nullif nvl nvl2 oct octet_length old_password',
  'ord password percentile_cont percentile_disc percent_rank period_add period_diff pi position pow power quarter',
  'quote radians rand random_bytes rank regexp_instr regexp_replace regexp_substr release_all_locks release_lock',
  'replace_oracle reverse round row_count rpad rpad_oracle rtrim rtrim_oracle schema schemas sec_to_time',
  'session_user sformat sha sha1 sha2 sign sin sleep soundex space sqrt std stddev stddev_pop stddev_samp strcmp',
  'str_to_date subdate substr substring substring_index substr_oracle subtime sum system_user sys_guid tan',
  'timediff time_format time_to_sec to_base64 to_char to_days to_seconds trim trim_oracle ucase uncompress',
  'uncompressed_length unhex unix_timestamp updatexml upper uuid uuid_short variance var_pop var_samp version',
  'week weekday weekofyear wsrep_last_seen_gtid wsrep_last_written_gtid wsrep_sync_wait_upto_gtid yearweek',
]

const GRAMMAR = [
  'ascii char current_user current_role current_date current_time current_timestamp date day default hour if',
  'insert interval left localtime localtimestamp minute month right second time timestamp user year utc_date',
  'utc_time utc_timestamp sysdate schema session_user system_user adddate subdate date_add date_sub curdate',
  'curtime now collation charset coalesce database format microsecond mod password quarter repeat replace',
  'reverse row_count truncate week weight_string timestampadd timestampdiff get_format row_number rank',
  'dense_rank first_value last_value nth_value lag lead ntile cume_dist percent_rank median percentile_cont',
  'percentile_disc lastval nextval setval value values column_create column_get column_add column_delete',
  'column_exists column_list column_check column_json json_arrayagg json_objectagg cast convert extract',
  'position substring substr trim contains point linestring polygon multipoint multilinestring multipolygon',
  'geometrycollection count sum avg min max std stddev stddev_pop stddev_samp variance var_pop var_samp',
  'bit_and bit_or bit_xor group_concat match',
]

const MYSQL_8 = [
  'regexp_like any_value bin_to_uuid uuid_to_bin is_uuid grouping statement_digest statement_digest_text',
  'json_schema_valid json_schema_validation_report json_overlaps json_storage_size json_storage_free',
  'json_pretty icu_version roles_graphml current_role',
]

export const MYSQL_NATIVE_FUNCTIONS: ReadonlySet<string> = new Set(
  [...NATIVE, ...GRAMMAR, ...MYSQL_8].flatMap((line) => line.split(' ')),
)
