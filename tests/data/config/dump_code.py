import sys, json, _testinternalcapi as _t
_c = _t.get_configs()
_r = {}
_f = sys.flags
_r['flags'] = {k: getattr(_f, k) for k in dir(_f) if not k.startswith('_') and k not in ('count', 'index', 'n_fields', 'n_sequence_fields', 'n_unnamed_fields')}
_r['switchinterval'] = sys.getswitchinterval()
_r['int_max_str_digits'] = sys.get_int_max_str_digits()
_r['warnoptions'] = list(sys.warnoptions)
_r['_xoptions'] = dict(sys._xoptions)
import faulthandler, tracemalloc
_r['faulthandler_enabled'] = faulthandler.is_enabled()
_r['tracemalloc_tracing'] = tracemalloc.is_tracing()
_r['tracemalloc_limit'] = tracemalloc.get_traceback_limit()
_r['dont_write_bytecode'] = sys.dont_write_bytecode
_r['argv'] = list(sys.argv)
_r['pycache_prefix'] = sys.pycache_prefix
_r['stdout_line_buffering'] = sys.stdout.line_buffering
_r['stdout_encoding'] = sys.stdout.encoding
_r['stdout_errors'] = sys.stdout.errors
_r['filesystemencoding'] = sys.getfilesystemencoding()
_r['filesystemencodeerrors'] = sys.getfilesystemencodeerrors()
_r['main_file'] = globals().get('__file__')
_r['main_spec'] = getattr(globals().get('__spec__'), 'name', None)
_c['runtime'] = _r
sys.__stdout__.write('\n@@ORACLE@@' + json.dumps(_c, default=repr) + '\n')
sys.__stdout__.flush()
