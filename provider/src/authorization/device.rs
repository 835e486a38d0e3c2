//! The device flow's doors (RFC 8628): the device's request, and the user's confirmation.

use super::pipeline::{Door, Flow};
use crate::Provider;
use crate::clients::Client;
use crate::model::{DeviceCode, Session};
use crate::protocol::{AuthorizationError, AuthorizationRequest, Completion, Params};
use super::Decision;
use std::sync::Arc;

/// `/device_authorization` (RFC 8628 §3.1): the scopes and resources a device may ask for, by the
/// same rules as `/authorize`. Errors are the caller's to answer in JSON.
pub async fn device_request(
    op: &Provider,
    client: Arc<Client>,
    params: Params,
) -> Result<(Vec<String>, Vec<String>), AuthorizationError> {
    let flow = Flow::new(op, Door::DeviceAuthorization, params).with_client(client).run().await?;
    Ok(flow.into_scopes_and_resources())
}

/// A user code confirmed on the device page (RFC 8628 §3.3): the device's stored request goes
/// through login and consent, and its approval is recorded for the device's next poll.
pub(crate) async fn confirm_device(
    op: &Provider,
    device: &DeviceCode,
    session: Option<Session>,
) -> Result<Decision, AuthorizationError> {
    let mut request = AuthorizationRequest::new(device.client_id.clone(), Completion::Device { id: device.id.clone() });
    request.scopes = device.scopes.clone();
    request.resources = device.resources.clone();
    let flow = Flow::new(op, Door::DeviceConfirmation, Params::default()).with_request(request);
    flow.with_session(session).run().await?.decision()
}
