//! `event/send` and `event/checkout` (API.md §4.6, §4.7).

use serde_json::{json, Value};

use crate::state::{Contact, State};
use crate::validate::{describe, each_object, Checked, Fields, Obj, Reply};

pub(super) fn event_send(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    if f.has("event_name") {
        f.req_str("event_name")?;
        let email = f.req_email("email")?;
        if state.contacts.seq_by_email(email).is_none() {
            let mut contact = Contact::new(state.ids.uuid(), email.to_owned());
            contact.source = Some("event".to_owned());
            state.contacts.insert(contact);
        }
    } else if f.has("contact") || f.has("event") {
        f.only(&["contact", "event"])?;
        let contact = Fields::new(f.req_object("contact")?, "contact.");
        contact.only(&["name", "email", "whatsapp_number"])?;
        contact.opt_str("name")?;
        contact.req_email("email")?;
        contact.opt_str("whatsapp_number")?;
        let event = Fields::new(f.req_object("event")?, "event.");
        event.only(&["code", "name", "data"])?;
        event.req_str("code")?;
        event.opt_str("name")?;
        event.opt_object("data")?;
    } else {
        return Err(Reply::bad(
            "Either `event_name` and `email` (simple shape) or `contact` and `event` objects (structured shape) are required",
        ));
    }
    state.events.push(Value::Object(body.clone()));
    Ok(Reply::new(
        201,
        json!({"success": true, "id": state.ids.uuid()}),
    ))
}

pub(super) fn event_checkout(state: &mut State, body: &Obj) -> Checked<Reply> {
    let f = Fields::new(body, "");
    f.only(&["event", "data"])?;
    let event = f.req_str("event")?;
    if event != "abandoned_cart" {
        return Err(Reply::bad(format!(
            "`event` must be \"abandoned_cart\", not {event:?}"
        )));
    }
    let data = Fields::new(f.req_object("data")?, "data.");
    data.only(&[
        "cart_id",
        "customer",
        "cart_items",
        "checkout_url",
        "created_at",
    ])?;
    match data.obj.get("cart_id") {
        Some(Value::Number(n)) if n.is_u64() => {}
        _ => {
            data.req_str("cart_id")?;
        }
    }
    let customer = Fields::new(data.req_object("customer")?, "data.customer.");
    customer.only(&["first_name", "last_name", "email", "phone"])?;
    customer.opt_str("first_name")?;
    customer.opt_str("last_name")?;
    customer.req_email("email")?;
    customer.opt_str("phone")?;
    let items = match data.opt_array("cart_items")? {
        Some(items) => items,
        None => return Err(Reply::bad("`data.cart_items` is required")),
    };
    each_object(items, "data.cart_items", |_, item| {
        item.only(&["sku", "name", "quantity", "price"])?;
        item.opt_str("sku")?;
        item.opt_str("name")?;
        if let Some(q) = item.opt_integer("quantity")? {
            if q < 0 {
                return Err(Reply::bad(format!(
                    "`{}` must not be negative",
                    item.name("quantity")
                )));
            }
        }
        match item.obj.get("price") {
            None | Some(Value::Number(_)) => Ok(()),
            Some(Value::String(s)) if s.parse::<f64>().is_ok() => Ok(()),
            Some(other) => Err(Reply::bad(format!(
                "`{}` must be a number or a decimal string, not {}",
                item.name("price"),
                describe(other)
            ))),
        }
    })?;
    data.opt_str("checkout_url")?;
    data.opt_str("created_at")?;
    state.events.push(Value::Object(body.clone()));
    Ok(Reply::new(
        200,
        json!({"success": true, "message": "Event processed successfully"}),
    ))
}
