//! The Redis the simulation runs `reserve.lua` on: an embedded Lua 5.1 with `redis.call` over
//! in-memory hashes that expire, and a clock the simulation moves (and makes jump).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use mlua::{Lua, Value as LuaValue, Variadic};
use redis::Value;

use crate::core::Call;
use crate::script::SOURCE;

use super::SECOND;

/// The bucket's key.
const KEY: &str = "sim:bucket";

/// The in-memory Redis the script runs against: hashes with expiry, a clock that can jump.
#[derive(Default)]
pub(super) struct Store {
    pub(super) hashes: HashMap<String, (BTreeMap<String, String>, Option<u64>)>,
    /// Redis's clock (server microseconds).
    pub(super) clock: u64,
}

impl Store {
    fn live(&mut self, key: &str) -> Option<&mut BTreeMap<String, String>> {
        let clock = self.clock;
        if let Some((_, Some(expires))) = self.hashes.get(key) {
            if *expires <= clock {
                self.hashes.remove(key);
            }
        }
        self.hashes.get_mut(key).map(|(fields, _)| fields)
    }

    fn command(&mut self, args: &[String]) -> Result<Vec<String>, String> {
        let name = args
            .first()
            .map(|a| a.to_ascii_uppercase())
            .unwrap_or_default();
        let key = args.get(1).cloned().unwrap_or_default();
        match name.as_str() {
            "TIME" => Ok(vec![
                (self.clock / SECOND).to_string(),
                (self.clock % SECOND).to_string(),
            ]),
            "HGETALL" => Ok(self
                .live(&key)
                .map(|fields| {
                    fields
                        .iter()
                        .flat_map(|(k, v)| [k.clone(), v.clone()])
                        .collect()
                })
                .unwrap_or_default()),
            "HSET" => {
                if args.len() < 4 || args.len() % 2 != 0 {
                    return Err(format!("HSET with {} arguments", args.len()));
                }
                self.live(&key);
                let (fields, _) = self.hashes.entry(key).or_default();
                for pair in args[2..].chunks(2) {
                    fields.insert(pair[0].clone(), pair[1].clone());
                }
                Ok(vec![])
            }
            "HDEL" => {
                if let Some(fields) = self.live(&key) {
                    for field in &args[2..] {
                        fields.remove(field);
                    }
                }
                Ok(vec![])
            }
            "PEXPIRE" => {
                let ms: i64 = args
                    .get(2)
                    .and_then(|a| a.parse().ok())
                    .ok_or("PEXPIRE without a whole number")?;
                let clock = self.clock;
                if ms <= 0 {
                    self.hashes.remove(&key);
                } else if let Some((_, expires)) = self.hashes.get_mut(&key) {
                    *expires = Some(clock + ms as u64 * 1000);
                }
                Ok(vec![])
            }
            other => Err(format!("the script called {other}")),
        }
    }
}

/// `reserve.lua` in an embedded Lua, on a [`Store`].
pub(super) struct Redis {
    lua: Lua,
    script: mlua::Function,
    pub(super) store: Rc<RefCell<Store>>,
}

impl Redis {
    pub(super) fn new() -> Self {
        let lua = Lua::new();
        let store = Rc::new(RefCell::new(Store::default()));
        let table = lua.create_table().expect("a table");
        let inner = store.clone();
        let call = lua
            .create_function(move |lua, args: Variadic<String>| {
                let reply = inner
                    .borrow_mut()
                    .command(&args)
                    .map_err(mlua::Error::external)?;
                let name = args.first().map(|a| a.to_ascii_uppercase());
                match name.as_deref() {
                    Some("TIME" | "HGETALL") => {
                        Ok(LuaValue::Table(lua.create_sequence_from(reply)?))
                    }
                    _ => Ok(LuaValue::Integer(1)),
                }
            })
            .expect("redis.call");
        table.set("call", call).expect("redis.call");
        lua.globals().set("redis", table).expect("redis");
        let script = lua
            .load(SOURCE)
            .into_function()
            .expect("the script compiles");
        Redis { lua, script, store }
    }

    pub(super) fn run(&self, call: &Call) -> Value {
        let globals = self.lua.globals();
        globals.set("KEYS", vec![KEY.to_owned()]).expect("KEYS");
        globals.set("ARGV", call.ask.args().to_vec()).expect("ARGV");
        let reply: mlua::Table = match self.script.call(()) {
            Ok(reply) => reply,
            Err(error) => panic!("the script failed: {error}"),
        };
        // Redis turns Lua numbers into integers by truncation.
        let items = reply
            .sequence_values::<f64>()
            .map(|n| Value::Int(n.expect("numbers") as i64))
            .collect();
        Value::Array(items)
    }

    pub(super) fn field(&self, name: &str) -> Option<u64> {
        let mut store = self.store.borrow_mut();
        store.live(KEY)?.get(name)?.parse().ok()
    }
}
